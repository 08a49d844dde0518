#include <catch2/catch.hpp>

#include "base/suggest.hpp"

using namespace mab;

TEST_CASE("edit distance") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("COPY", "copy") == 0);
    CHECK(edit_distance("platfrom", "platform") == 1);
    CHECK(edit_distance("dset", "dest") == 1);
}

TEST_CASE("suggestions only for likely typos") {
    std::vector<std::string> flags{"platform", "progress", "push", "pull"};
    CHECK(did_you_mean("platfrom", flags) == " (did you mean platform?)");
    CHECK(did_you_mean("pussh", flags) == " (did you mean push?)");
    CHECK(did_you_mean("zzzzzzzz", flags).empty());
}

TEST_CASE("typos of Dockerfile words: swaps of neighbours count as one edit") {
    std::vector<std::string> names = {"--from", "--chown", "--chmod", "--link"};
    CHECK(edit_distance("form", "from") == 1);
    CHECK(edit_distance("COPPY", "COPY") == 1);
    CHECK(closest_match("--form", names) == std::optional<std::string>("--from"));
    CHECK(closest_match("--chmdo", names) == std::optional<std::string>("--chmod"));
    CHECK(closest_match("--platform", names) == std::nullopt);
    CHECK(closest_match("", names) == std::nullopt);
    CHECK(with_suggestion("unknown instruction: WORKDRI", "WORKDRI", {"WORKDIR", "USER"}) ==
          "unknown instruction: WORKDRI (did you mean WORKDIR?)");
    CHECK(with_suggestion("unknown instruction: XYZZY", "XYZZY", {"WORKDIR", "USER"}) ==
          "unknown instruction: XYZZY");
}
