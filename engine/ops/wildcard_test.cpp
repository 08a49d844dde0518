#include "engine/ops/wildcard.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "base/error.hpp"

using mab::engine::ops::has_wildcard;
using mab::engine::ops::validate_wildcard;
using mab::engine::ops::wildcard_match;

namespace {

struct MatchCase {
    const char* pattern;
    const char* name;
    bool match;
    bool bad_pattern;
};

// From Go's path/filepath match_test.go (matchTests).
const MatchCase k_go_cases[] = {
    {"abc", "abc", true, false},
    {"*", "abc", true, false},
    {"*c", "abc", true, false},
    {"a*", "a", true, false},
    {"a*", "abc", true, false},
    {"a*", "ab/c", false, false},
    {"a*/b", "abc/b", true, false},
    {"a*/b", "a/c/b", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false},
    {"a*b?c*x", "abxbbxdbxebxczzx", true, false},
    {"a*b?c*x", "abxbbxdbxebxczzy", false, false},
    {"ab[c]", "abc", true, false},
    {"ab[b-d]", "abc", true, false},
    {"ab[e-g]", "abc", false, false},
    {"ab[^c]", "abc", false, false},
    {"ab[^b-d]", "abc", false, false},
    {"ab[^e-g]", "abc", true, false},
    {"a\\*b", "a*b", true, false},
    {"a\\*b", "ab", false, false},
    {"a?b", "a\xe2\x98\xba" "b", true, false},          // a☺b
    {"a[^a]b", "a\xe2\x98\xba" "b", true, false},
    {"a???b", "a\xe2\x98\xba" "b", false, false},
    {"a[^a][^a][^a]b", "a\xe2\x98\xba" "b", false, false},
    {"[a-\xce\xb6]*", "\xce\xb1", true, false},         // [a-ζ]* vs α
    {"*[a-\xce\xb6]", "A", false, false},
    {"a?b", "a/b", false, false},
    {"a*b", "a/b", false, false},
    {"[\\]a]", "]", true, false},
    {"[\\-]", "-", true, false},
    {"[x\\-]", "x", true, false},
    {"[x\\-]", "-", true, false},
    {"[x\\-]", "z", false, false},
    {"[\\-x]", "x", true, false},
    {"[\\-x]", "-", true, false},
    {"[\\-x]", "a", false, false},
    {"[]a]", "]", false, true},
    {"[-]", "-", false, true},
    {"[x-]", "x", false, true},
    {"[x-]", "-", false, true},
    {"[x-]", "z", false, true},
    {"[-x]", "x", false, true},
    {"[-x]", "-", false, true},
    {"[-x]", "a", false, true},
    {"\\", "a", false, true},
    {"[a-b-c]", "a", false, true},
    {"[", "a", false, true},
    {"[^", "a", false, true},
    {"[^bc", "a", false, true},
    {"a[", "a", false, true},
    {"a[", "ab", false, true},
    {"a[", "x", false, true},
    {"a/b[", "x", false, true},
    {"*x", "xxx", true, false},
};

} // namespace

TEST_CASE("wildcard_match follows Go's filepath.Match", "[wildcard]") {
    for (const MatchCase& c : k_go_cases) {
        DYNAMIC_SECTION(c.pattern << " vs " << c.name) {
            if (c.bad_pattern) {
                REQUIRE_THROWS_WITH(wildcard_match(c.pattern, c.name),
                                    Catch::Contains(std::string("\"") + c.pattern + "\""));
            } else {
                CHECK(wildcard_match(c.pattern, c.name) == c.match);
            }
        }
    }
}

TEST_CASE("wildcard_match accepts ! as class negation", "[wildcard]") {
    CHECK(wildcard_match("ab[!c]", "abd"));
    CHECK_FALSE(wildcard_match("ab[!c]", "abc"));
    CHECK(wildcard_match("*.[!o]", "main.c"));
    CHECK_FALSE(wildcard_match("*.[!o]", "main.o"));
}

TEST_CASE("wildcard_match: stars and dot files", "[wildcard]") {
    CHECK(wildcard_match("*", ".hidden"));
    CHECK(wildcard_match("*.txt", "a.txt"));
    CHECK_FALSE(wildcard_match("*.txt", "a.txt.bak"));
    CHECK(wildcard_match("**", "abc"));
    CHECK(wildcard_match("", ""));
    CHECK_FALSE(wildcard_match("", "a"));
}

TEST_CASE("validate_wildcard reports malformed patterns whatever the input", "[wildcard]") {
    CHECK_NOTHROW(validate_wildcard("*.txt"));
    CHECK_NOTHROW(validate_wildcard("file[0-9]?"));
    CHECK_THROWS_AS(validate_wildcard("a*["), mab::Error);
    CHECK_THROWS_AS(validate_wildcard("x[a-"), mab::Error);
    CHECK_THROWS_AS(validate_wildcard("abc\\"), mab::Error);
    try {
        validate_wildcard("[z-");
        FAIL("no error");
    } catch (const mab::Error& e) {
        CHECK(e.kind() == mab::ErrorKind::input);
        CHECK(std::string(e.what()).find("[z-") != std::string::npos);
    }
}

TEST_CASE("has_wildcard ignores escaped characters", "[wildcard]") {
    CHECK(has_wildcard("*.txt"));
    CHECK(has_wildcard("dir/file?"));
    CHECK(has_wildcard("a[bc]"));
    CHECK_FALSE(has_wildcard("plain/name.txt"));
    CHECK_FALSE(has_wildcard("a\\*b"));
    CHECK_FALSE(has_wildcard("a\\[b"));
}
