#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "cli/flags.hpp"

using namespace mab;
using namespace mab::cli;

namespace {
const std::vector<FlagSpec> k_specs{
    {"file", 'f', "string", "", ""},
    {"tag", 't', "name", "", ""},
    {"platform", 0, "string", "", ""},
    {"no-cache", 0, "", "", ""},
};
}

TEST_CASE("flag forms docker users type") {
    ParsedFlags f = parse_flags({"-f", "a", "--tag=x:1", "-ty:2", "--platform", "linux/arm64", "--no-cache", "ctx"}, k_specs);
    CHECK(f.last("file") == "a");
    CHECK(f.all("tag") == std::vector<std::string>{"x:1", "y:2"});
    CHECK(f.last("platform") == "linux/arm64");
    CHECK(f.flag("no-cache"));
    CHECK(f.positional == std::vector<std::string>{"ctx"});
}

TEST_CASE("boolean flags take explicit values") {
    CHECK_FALSE(parse_flags({"--no-cache=false"}, k_specs).flag("no-cache"));
    CHECK_THROWS_WITH(parse_flags({"--no-cache=maybe"}, k_specs), Catch::Contains("expected true or false"));
}

TEST_CASE("unknown and incomplete flags are usage errors with suggestions") {
    CHECK_THROWS_WITH(parse_flags({"--platfrom", "x"}, k_specs),
                      "unknown flag: --platfrom (did you mean --platform?)");
    CHECK_THROWS_WITH(parse_flags({"--file"}, k_specs), "flag needs an argument: --file");
    try {
        parse_flags({"-x"}, k_specs);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
    }
}

TEST_CASE("-- ends flags and a lone - is positional") {
    ParsedFlags f = parse_flags({"-", "--", "--tag"}, k_specs);
    CHECK(f.positional == std::vector<std::string>{"-", "--tag"});
}
