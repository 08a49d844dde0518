#include "frontend-dockerfile/heredoc.hpp"

#include <catch2/catch.hpp>

using namespace mab::dockerfile;

namespace {

// "name expand chomp" of the heredoc a word opens, or "-" for none.
std::string opened(std::string_view word) {
    std::optional<Heredoc> doc = parse_heredoc_word(word);
    if (!doc) return "-";
    return doc->name + (doc->expand ? " expand" : " raw") + (doc->chomp ? " chomp" : "");
}

std::string names(std::string_view line) {
    std::string out;
    for (const Heredoc& doc : heredocs_in_line(line)) out += (out.empty() ? "" : ",") + doc.name;
    return out;
}

} // namespace

TEST_CASE("heredoc words: `[n]<<[-]word`, quoted parts turn expansion off") {
    CHECK(opened("<<EOF") == "EOF expand");
    CHECK(opened("<<-EOF") == "EOF expand chomp");
    CHECK(opened("3<<EOF") == "EOF expand");
    CHECK(opened("<<\"EOF\"") == "EOF raw");
    CHECK(opened("<<'EOF'") == "EOF raw");
    CHECK(opened("<<E'O'F") == "EOF raw");
    CHECK(opened("<<-'EOF'") == "EOF raw chomp");
    // BuildKit counts quote characters only: a backslash does not make it raw.
    CHECK(opened("<<\\EOF") == "EOF expand");
    CHECK(opened("<<$NAME") == "$NAME expand");
    CHECK(opened("<<EOF>out") == "EOF>out expand");
    CHECK(opened("<<--EOF") == "-EOF expand chomp");
}

TEST_CASE("words that open no heredoc") {
    CHECK(opened("<<") == "-");
    CHECK(opened("<<-") == "-");
    CHECK(opened("a<<EOF") == "-");
    CHECK(opened("<<A<<B") == "-");
    CHECK(opened("<<EOF bash") == "-");   // two words
    CHECK(opened("<<\"EOF") == "-");      // cannot be lexed
    CHECK(opened("\"<<EOF\"") == "-");
    CHECK(opened("<<\"\"") == "-");
}

TEST_CASE("heredocs on a line are found on its shell words") {
    CHECK(names("RUN cat <<A >a && cat <<-B >b") == "A,B");
    CHECK(names("RUN cat <<\"EO F\" >x") == "EO F");
    CHECK(names("RUN echo \"<<EOF\" '<<EOF' \\<<EOF a<<EOF") == "");
    CHECK(names("RUN cat << EOF") == "");
    CHECK(names("RUN echo \"unterminated <<EOF") == "");  // BuildKit gives up on the line
}

TEST_CASE("which instruction lines may open heredocs") {
    CHECK(may_open_heredocs("RUN <<EOF"));
    CHECK(may_open_heredocs("copy --chmod=0644 <<EOF /x"));
    CHECK(may_open_heredocs("ADD <<EOF /x"));
    CHECK(may_open_heredocs("ONBUILD RUN <<EOF"));
    CHECK_FALSE(may_open_heredocs("RUN [\"cat\", \"<<EOF\"]"));
    CHECK_FALSE(may_open_heredocs("CMD cat <<EOF"));
    CHECK_FALSE(may_open_heredocs("ONBUILD CMD cat <<EOF"));
    CHECK_FALSE(may_open_heredocs("LABEL a=<<EOF"));
}

TEST_CASE("delimiter lines, <<- and summaries") {
    Heredoc plain{"EOF", true, false, ""};
    Heredoc chomped{"EOF", true, true, ""};
    CHECK(ends_heredoc("EOF", plain));
    CHECK_FALSE(ends_heredoc("\tEOF", plain));
    CHECK_FALSE(ends_heredoc("EOF ", plain));
    CHECK(ends_heredoc("\t\tEOF", chomped));
    CHECK_FALSE(ends_heredoc(" EOF", chomped));
    CHECK(chomp_heredoc("\ta\n\t\tb\n  c\n\t") == "a\nb\n  c\n");
    CHECK(summarize_heredoc("\n  echo one\necho two\n") == "echo one...");
    CHECK(summarize_heredoc("echo one\r\n") == "echo one");
    CHECK(summarize_heredoc("a\r\nb") == "a...");
}

TEST_CASE("delimiters that can name a file") {
    CHECK(is_file_name("EOF"));
    CHECK(is_file_name("app.conf"));
    CHECK_FALSE(is_file_name("a/b"));
    CHECK_FALSE(is_file_name("."));
    CHECK_FALSE(is_file_name(".."));
}
