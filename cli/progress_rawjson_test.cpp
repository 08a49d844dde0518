#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <map>
#include <regex>

#include "cli/progress_printer.hpp"
#include "cli/progress_rawjson.hpp"
#include "cli/progress_test_support.hpp"
#include "registry/base64.hpp"

using namespace mab::cli;
using namespace mab::cli::test;

TEST_CASE("rawjson: one SolveStatus object per line, logs whole per vertex across threads", "[progress]") {
    constexpr int k_threads = 5;
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<RawJsonRenderer>(out.get()));
        on_threads(k_threads, [&](int t) {
            const auto v = vertex("step " + std::to_string(t));
            printer.started(v);
            for (int i = 0; i < 50; ++i) printer.log(v, "t" + std::to_string(t) + " \"" + std::to_string(i) + "\"\n");
            if (t == 0)
                printer.failed(v, 0.1, "exit code: 1");
            else
                printer.finished(v, 0.1);
        });
        printer.cached(vertex("cached step"));
        const auto pull = vertex("[1/1] FROM busybox");
        printer.started(pull);
        printer.transfer(pull, {"sha256:" + std::string(64, 'b'), 10, 20});
        printer.transfer(pull, {"sha256:" + std::string(64, 'b'), 20, 20});
        printer.finished(pull, 0.1);
        printer.note("WARNING: a note");
    }
    std::map<std::string, std::string> logs;    // vertex digest -> its output
    std::map<std::string, int> vertex_events;
    std::map<std::string, std::string> errors;
    int cached = 0;
    int warnings = 0;
    std::vector<uint64_t> transferred;
    const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)");
    for (const std::string& line : split_lines(out.text())) {
        rapidjson::Document doc;
        doc.Parse(line.c_str());
        REQUIRE_FALSE(doc.HasParseError());
        REQUIRE(doc.IsObject());
        if (doc.HasMember("vertexes")) {
            for (const auto& v : doc["vertexes"].GetArray()) {
                const std::string digest = v["digest"].GetString();
                CHECK(digest.rfind("sha256:", 0) == 0);
                CHECK(std::regex_match(std::string(v["started"].GetString()), timestamp));
                CHECK(v.HasMember("name"));
                ++vertex_events[digest];
                if (v.HasMember("error")) errors[digest] = v["error"].GetString();
                if (v.HasMember("cached")) {
                    CHECK(v["cached"].GetBool());
                    CHECK(v.HasMember("completed"));
                    ++cached;
                }
            }
        } else if (doc.HasMember("logs")) {
            for (const auto& l : doc["logs"].GetArray()) {
                CHECK(l["stream"].GetInt() == 1);
                CHECK(std::regex_match(std::string(l["timestamp"].GetString()), timestamp));
                const auto data = mab::registry::base64_decode(l["data"].GetString());
                REQUIRE(data);
                logs[l["vertex"].GetString()] += *data;
            }
        } else if (doc.HasMember("statuses")) {
            const auto& st = doc["statuses"][0];
            CHECK(st["id"].GetString() == "sha256:" + std::string(64, 'b'));
            CHECK(st["vertex"].GetString() == vertex("[1/1] FROM busybox").digest.str());
            CHECK(st["total"].GetUint64() == 20);
            CHECK(std::regex_match(std::string(st["started"].GetString()), timestamp));
            CHECK(st.HasMember("completed") == (st["current"].GetUint64() == 20));
            transferred.push_back(st["current"].GetUint64());
        } else {
            REQUIRE(doc.HasMember("warnings"));
            CHECK(*mab::registry::base64_decode(doc["warnings"][0]["short"].GetString()) == "WARNING: a note");
            ++warnings;
        }
    }
    CHECK(cached == 1);
    CHECK(transferred == std::vector<uint64_t>{10, 20});
    CHECK(warnings == 1);
    for (int t = 0; t < k_threads; ++t) {
        const std::string digest = vertex("step " + std::to_string(t)).digest.str();
        std::string expected;
        for (int i = 0; i < 50; ++i) expected += "t" + std::to_string(t) + " \"" + std::to_string(i) + "\"\n";
        CHECK(logs[digest] == expected);
        CHECK(vertex_events[digest] == 2);  // started, then completed
    }
    CHECK(errors.size() == 1);
    CHECK(errors[vertex("step 0").digest.str()] == "exit code: 1");
}

TEST_CASE("rawjson: RFC 3339 UTC times", "[progress]") {
    CHECK(rfc3339_nano(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00.000000000Z");
    CHECK(rfc3339_nano(std::chrono::system_clock::time_point{std::chrono::seconds(1700000000) +
                                                             std::chrono::microseconds(5)}) ==
          "2023-11-14T22:13:20.000005000Z");
}
