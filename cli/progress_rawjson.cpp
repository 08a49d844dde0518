#include "cli/progress_rawjson.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include <ctime>

#include "registry/base64.hpp"

namespace mab::cli {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void key_string(JsonWriter& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

} // namespace

std::string rfc3339_nano(WallTime time) {
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count();
    const std::time_t whole = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    ::gmtime_r(&whole, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                       utc.tm_hour, utc.tm_min, utc.tm_sec, nanos);
}

void RawJsonRenderer::write(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fputc('\n', m_out);
    std::fflush(m_out);
}

void RawJsonRenderer::vertex(const Step& step) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("vertexes");
    w.StartArray();
    w.StartObject();
    key_string(w, "digest", step.digest.str());
    key_string(w, "name", step.name);
    key_string(w, "started", rfc3339_nano(step.started_wall));
    if (step.completed()) key_string(w, "completed", rfc3339_nano(step.completed_wall));
    if (step.state == StepState::cached) {
        w.Key("cached");
        w.Bool(true);
    }
    if (step.state == StepState::failed) key_string(w, "error", step.error);
    if (step.state == StepState::canceled) key_string(w, "error", "context canceled");
    w.EndObject();
    w.EndArray();
    w.EndObject();
    write(buffer.GetString());
}

void RawJsonRenderer::log(const Step& step, std::string_view data, WallTime at) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("logs");
    w.StartArray();
    w.StartObject();
    key_string(w, "vertex", step.digest.str());
    w.Key("stream");
    w.Int(1);
    key_string(w, "data", registry::base64_encode(data));
    key_string(w, "timestamp", rfc3339_nano(at));
    w.EndObject();
    w.EndArray();
    w.EndObject();
    write(buffer.GetString());
}

void RawJsonRenderer::started(const Step& step) { vertex(step); }

void RawJsonRenderer::cached(const Step& step) {
    // A step seen before is reported as BuildKit reports a cache hit.
    if (step.state == StepState::cached) {
        vertex(step);
        return;
    }
    Step again = step;
    again.state = StepState::cached;
    vertex(again);
}

void RawJsonRenderer::output(const Step& step, std::string_view chunk, WallTime at, const std::vector<LogLine>&) {
    log(step, chunk, at);
}

void RawJsonRenderer::status(const Step& step, const std::string& text) {
    log(step, text + "\n", std::chrono::system_clock::now());
}

void RawJsonRenderer::transfer(const Step& step, const Transfer& transfer) {
    const std::string now = rfc3339_nano(std::chrono::system_clock::now());
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("statuses");
    w.StartArray();
    w.StartObject();
    key_string(w, "id", transfer.id);
    key_string(w, "vertex", step.digest.str());
    w.Key("current");
    w.Uint64(transfer.current);
    w.Key("total");
    w.Uint64(transfer.total);
    key_string(w, "timestamp", now);
    key_string(w, "started", rfc3339_nano(transfer.started_wall));
    if (transfer.completed()) key_string(w, "completed", now);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    write(buffer.GetString());
}

void RawJsonRenderer::completed(const Step& step, const std::vector<LogLine>&) { vertex(step); }

void RawJsonRenderer::note(std::string_view text) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("warnings");
    w.StartArray();
    w.StartObject();
    w.Key("level");
    w.Int(1);
    key_string(w, "short", registry::base64_encode(text));
    w.EndObject();
    w.EndArray();
    w.EndObject();
    write(buffer.GetString());
}

void RawJsonRenderer::finish(const ProgressTrace&, bool) {}

} // namespace mab::cli
