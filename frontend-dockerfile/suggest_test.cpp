#include "frontend-dockerfile/suggest.hpp"

#include <catch2/catch.hpp>

using namespace mab::dockerfile;

TEST_CASE("edit_distance counts a swap of neighbours as one edit") {
    CHECK(edit_distance("from", "from") == 0);
    CHECK(edit_distance("form", "from") == 1);
    CHECK(edit_distance("COPPY", "COPY") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest_match suggests only plausible typos") {
    std::vector<std::string> names = {"--from", "--chown", "--chmod", "--link"};
    CHECK(closest_match("--form", names) == std::optional<std::string>("--from"));
    CHECK(closest_match("--chmdo", names) == std::optional<std::string>("--chmod"));
    CHECK(closest_match("--platform", names) == std::nullopt);
    CHECK(closest_match("", names) == std::nullopt);
    CHECK(with_suggestion("unknown instruction: WORKDRI", "WORKDRI", {"WORKDIR", "USER"}) ==
          "unknown instruction: WORKDRI (did you mean WORKDIR?)");
    CHECK(with_suggestion("unknown instruction: XYZZY", "XYZZY", {"WORKDIR", "USER"}) ==
          "unknown instruction: XYZZY");
}
