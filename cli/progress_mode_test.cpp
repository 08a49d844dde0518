#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "cli/progress_mode.hpp"

using namespace mab;
using namespace mab::cli;

TEST_CASE("--progress takes buildx's values; the flag wins over BUILDKIT_PROGRESS", "[progress]") {
    CHECK(parse_progress_mode("auto", "--progress") == ProgressMode::automatic);
    CHECK(parse_progress_mode("plain", "--progress") == ProgressMode::plain);
    CHECK(parse_progress_mode("tty", "--progress") == ProgressMode::tty);
    CHECK(parse_progress_mode("quiet", "--progress") == ProgressMode::quiet);
    CHECK(parse_progress_mode("rawjson", "--progress") == ProgressMode::rawjson);
    CHECK(choose_progress_mode(std::string("plain"), "rawjson") == ProgressMode::plain);
    CHECK(choose_progress_mode(std::nullopt, "rawjson") == ProgressMode::rawjson);
    CHECK(choose_progress_mode(std::nullopt, "") == ProgressMode::automatic);
    CHECK(choose_progress_mode(std::nullopt, nullptr) == ProgressMode::automatic);
}

TEST_CASE("a bad progress value names where it came from", "[progress]") {
    CHECK_THROWS_WITH(choose_progress_mode(std::string("fancy"), nullptr),
                      "invalid --progress \"fancy\": expected auto, plain, tty, quiet or rawjson");
    CHECK_THROWS_WITH(choose_progress_mode(std::nullopt, "json"),
                      "invalid BUILDKIT_PROGRESS \"json\": expected auto, plain, tty, quiet or rawjson");
    try {
        parse_progress_mode("x", "--progress");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
    }
}

TEST_CASE("auto is plain when the stream is not a terminal", "[progress]") {
    std::FILE* file = std::tmpfile();
    CHECK(resolve_progress_mode(ProgressMode::automatic, ::fileno(file)) == ProgressMode::plain);
    CHECK(resolve_progress_mode(ProgressMode::rawjson, ::fileno(file)) == ProgressMode::rawjson);
    std::fclose(file);
}
