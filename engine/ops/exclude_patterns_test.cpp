// Exclude patterns against testdata/exclude_patterns.txt: one line a case.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "engine/ops/exclude_patterns.hpp"

using mab::engine::ops::ExcludePatterns;

namespace {

struct Case {
    int line = 0;
    std::string kind;
    std::string subject;
    std::string expected;
    std::vector<std::string> patterns;
};

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t bar = line.find(" | "); bar != std::string::npos; bar = line.find(" | ", start)) {
        parts.push_back(line.substr(start, bar - start));
        start = bar + 3;
    }
    parts.push_back(line.substr(start));
    return parts;
}

std::vector<Case> read_cases() {
    std::ifstream in(MAB_ENGINE_OPS_TESTDATA "/exclude_patterns.txt");
    REQUIRE(in);
    std::vector<Case> cases;
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
        if (text.empty() || text[0] == '#') continue;
        std::vector<std::string> parts = split(text);
        REQUIRE(parts.size() >= 3);
        Case c{n, parts[0], parts[1], parts[2], {parts.begin() + 3, parts.end()}};
        cases.push_back(std::move(c));
    }
    return cases;
}

// The path matched the way a walk does: each directory's matches handed down.
bool excluded_by_walk(const ExcludePatterns& patterns, const std::string& path) {
    ExcludePatterns::MatchInfo parent;
    size_t from = 0;
    for (;;) {
        const size_t slash = path.find('/', from);
        const std::string prefix = path.substr(0, slash);
        ExcludePatterns::MatchInfo info;
        const bool excluded = patterns.excluded(prefix, parent, info);
        if (slash == std::string::npos) return excluded;
        parent = info;
        from = slash + 1;
    }
}

} // namespace

TEST_CASE("exclude patterns follow patternmatcher and fsutil", "[exclude]") {
    std::vector<Case> cases = read_cases();
    CHECK(cases.size() >= 60);
    for (const Case& c : cases) {
        INFO("exclude_patterns.txt:" << c.line << ": " << c.kind << " " << c.subject);
        if (c.kind == "error") {
            CHECK_THROWS_AS(ExcludePatterns(c.patterns), mab::Error);
            continue;
        }
        ExcludePatterns patterns(c.patterns);
        if (c.kind == "path") {
            const bool expected = c.expected == "excluded";
            REQUIRE((expected || c.expected == "kept"));
            CHECK(patterns.excluded(c.subject) == expected);
            CHECK(excluded_by_walk(patterns, c.subject) == expected);
        } else if (c.kind == "descend") {
            REQUIRE((c.expected == "yes" || c.expected == "no"));
            CHECK(patterns.may_reinclude_below(c.subject) == (c.expected == "yes"));
        } else {
            FAIL("unknown kind " << c.kind);
        }
    }
}

TEST_CASE("a malformed exclude pattern is named in the error", "[exclude]") {
    try {
        ExcludePatterns({"ok", "a[b"});
        FAIL("no error");
    } catch (const mab::Error& e) {
        CHECK(std::string(e.what()) == "invalid exclude pattern \"a[b\": syntax error in pattern");
        CHECK(e.kind() == mab::ErrorKind::input);
    }
    CHECK_THROWS_WITH(ExcludePatterns({"!"}), "illegal exclusion pattern: \"!\"");
}

TEST_CASE("surrounding spaces and empty patterns are ignored", "[exclude]") {
    ExcludePatterns patterns({"  docs  ", "", "   ", "\t!docs/keep "});
    CHECK(patterns.excluded("docs/x"));
    CHECK_FALSE(patterns.excluded("docs/keep"));
    CHECK(ExcludePatterns({"", " "}).empty());
}
