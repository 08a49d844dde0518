// buildx's --progress=rawjson: one JSON object per line in the shape of BuildKit's
// SolveStatus, {"vertexes":[…]} when a step starts or ends and {"logs":[…]} for its
// output. Field names are BuildKit's: vertexes carry digest, name, started, completed,
// cached, error; logs carry vertex, stream, data (base64, as Go encodes []byte) and
// timestamp. Times are RFC 3339 in UTC with nanoseconds. The CLI's own lines come
// as logs of their step, bytes moved as {"statuses":[{id, vertex, current, total,
// timestamp, started, completed}]}, notes as {"warnings":[{"level":1,"short":base64}]}.
#pragma once

#include <cstdio>
#include <string>

#include "cli/progress_renderer.hpp"

namespace mab::cli {

class RawJsonRenderer : public ProgressRenderer {
public:
    explicit RawJsonRenderer(std::FILE* out) : m_out(out) {}

    void started(const Step& step) override;
    void cached(const Step& step) override;
    void output(const Step& step, std::string_view chunk, WallTime at, const std::vector<LogLine>& lines) override;
    void status(const Step& step, const std::string& text) override;
    void transfer(const Step& step, const Transfer& transfer) override;
    void completed(const Step& step, const std::vector<LogLine>& flushed) override;
    void note(std::string_view text) override;
    void finish(const ProgressTrace& trace, bool failed) override;

private:
    void vertex(const Step& step);
    void log(const Step& step, std::string_view data, WallTime at);
    void write(const std::string& line);

    std::FILE* m_out;
};

// "2026-11-23T22:10:00.123456789Z"
std::string rfc3339_nano(WallTime time);

} // namespace mab::cli
