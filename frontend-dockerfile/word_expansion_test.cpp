#include "frontend-dockerfile/word_expansion.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/heredoc.hpp"

using namespace mab::dockerfile;

namespace {

enum class Mode { word, split, heredoc, keep };

// Runs one vector; returns the result text, or "error: <message>".
std::string run_vector(const std::string& input, Mode mode, const VariableLookup& lookup, char escape) {
    try {
        if (mode == Mode::split) return go_quote_list(expand_words(input, lookup, escape));
        if (mode == Mode::heredoc) return expand_heredoc_body(input, lookup);
        if (mode == Mode::keep) {
            LexOptions keep;
            keep.keep_quotes = keep.keep_escapes = keep.keep_unset = true;
            return expand_word(input, lookup, escape, keep);
        }
        return expand_word(input, lookup, escape);
    } catch (const mab::Error& e) {
        return std::string("error: ") + e.what();
    }
}

} // namespace

TEST_CASE("word expansion vectors from testdata/expand.txt") {
    std::ifstream in(std::string(MAB_DOCKERFILE_TESTDATA) + "/expand.txt");
    REQUIRE(in);
    std::map<std::string, std::string> env;
    VariableLookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    char escape = '\\';
    std::string line;
    int number = 0, vectors = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("env ", 0) == 0) {
            std::string def = line.substr(4);
            size_t eq = def.find('=');
            if (eq == std::string::npos)
                env.erase(def);
            else
                env[def.substr(0, eq)] = def.substr(eq + 1);
            continue;
        }
        if (line.rfind("escape ", 0) == 0) {
            escape = line[7];
            continue;
        }
        Mode mode = Mode::word;
        for (auto [prefix, prefixed] : {std::pair{"split: ", Mode::split}, std::pair{"heredoc: ", Mode::heredoc},
                                       std::pair{"keep: ", Mode::keep}}) {
            if (line.rfind(prefix, 0) == 0) {
                line = line.substr(std::string(prefix).size());
                mode = prefixed;
            }
        }
        size_t bar = line.find(" |");
        REQUIRE(bar != std::string::npos);
        std::string input = line.substr(0, bar);
        std::string expected = trim(line.substr(bar + 2));
        INFO("expand.txt:" << number << ": " << input);
        CHECK(run_vector(input, mode, lookup, escape) == expected);
        ++vectors;
    }
    CHECK(vectors >= 150);
}

TEST_CASE("expand_word distinguishes unset from empty through lookup_in") {
    VariableLookup lookup = lookup_in({"A=1", "B=", "A=2"});
    CHECK(expand_word("$A", lookup, '\\') == "2");
    CHECK(expand_word("${B-unset}", lookup, '\\').empty());
    CHECK(expand_word("${C-unset}", lookup, '\\') == "unset");
}

TEST_CASE("expansion reads runes as Go does: newlines, invalid UTF-8, a byte order mark") {
    VariableLookup lookup = lookup_in({"NL=a\nb", "BAD=\xff", "WORD=x"});
    // `?` and `*` are Go's ".", which never matches a newline.
    CHECK(expand_word("${NL##*}", lookup, '\\') == "\nb");
    CHECK(expand_word("${NL%%*}", lookup, '\\') == "a\n");
    CHECK(expand_word("${NL//?/x}", lookup, '\\') == "x\nx");
    // BuildKit trims suffixes on reversed runes, so an invalid byte comes back as U+FFFD;
    // prefixes are cut from the value as it is.
    CHECK(expand_word("${BAD%x}", lookup, '\\') == "\xEF\xBF\xBD");
    CHECK(expand_word("${BAD#x}", lookup, '\\') == "\xff");
    CHECK(expand_word("$BAD", lookup, '\\') == "\xff");
    // Text read from the word goes through Go's scanner: an invalid byte is U+FFFD and a
    // byte order mark at the very start is skipped.
    CHECK(expand_word("a\xff$WORD", lookup, '\\') == "a\xEF\xBF\xBDx");
    CHECK(expand_word("\xEF\xBB\xBF$WORD", lookup, '\\') == "x");
    try {
        expand_word("${\xff}", lookup, '\\');
        FAIL("an error was expected");
    } catch (const mab::Error& e) {
        CHECK(std::string(e.what()) ==
              "failed to process \"${\\xff}\": unsupported modifier (\xEF\xBF\xBD) in substitution");
    }
}
