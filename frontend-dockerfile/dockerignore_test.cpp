// .dockerignore parsing, case by case from ignorefile.ReadAll's rules.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "frontend-dockerfile/dockerignore.hpp"

using mab::dockerfile::parse_dockerignore;
using Patterns = std::vector<std::string>;

TEST_CASE(".dockerignore: one pattern a line, comments and blanks skipped", "[dockerignore]") {
    CHECK(parse_dockerignore("") == Patterns{});
    CHECK(parse_dockerignore("a\nb\n") == Patterns{"a", "b"});
    CHECK(parse_dockerignore("a\r\nb") == Patterns{"a", "b"});
    CHECK(parse_dockerignore("# comment\n\n   \n\t\na") == Patterns{"a"});
    // Only a # in the first column starts a comment.
    CHECK(parse_dockerignore("  # not a comment") == Patterns{"# not a comment"});
    CHECK(parse_dockerignore("a # b") == Patterns{"a # b"});
    CHECK(parse_dockerignore("\xEF\xBB\xBF" "first\nsecond") == Patterns{"first", "second"});
}

TEST_CASE(".dockerignore: patterns are cleaned and made relative", "[dockerignore]") {
    CHECK(parse_dockerignore("  spaced  ") == Patterns{"spaced"});
    CHECK(parse_dockerignore("./a/") == Patterns{"a"});
    CHECK(parse_dockerignore("/a/b") == Patterns{"a/b"});
    CHECK(parse_dockerignore("a//b/./c/../d") == Patterns{"a/b/d"});
    CHECK(parse_dockerignore("/") == Patterns{"/"});
    CHECK(parse_dockerignore(".") == Patterns{"."});
    CHECK(parse_dockerignore("../up") == Patterns{"../up"});
    CHECK(parse_dockerignore("**/*.log") == Patterns{"**/*.log"});
    CHECK(parse_dockerignore("dir/**/") == Patterns{"dir/**"});
}

TEST_CASE(".dockerignore: exceptions keep their mark, cleaned behind it", "[dockerignore]") {
    CHECK(parse_dockerignore("!keep") == Patterns{"!keep"});
    CHECK(parse_dockerignore("! /docs/./README.md ") == Patterns{"!docs/README.md"});
    CHECK(parse_dockerignore("!./a/") == Patterns{"!a"});
    // A lone "!" stays, for the matcher to refuse with BuildKit's message.
    CHECK(parse_dockerignore("!") == Patterns{"!"});
    CHECK(parse_dockerignore("!   ") == Patterns{"!"});
}
