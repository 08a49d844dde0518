#include "frontend-dockerfile/heredoc.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"

namespace mab::dockerfile {

namespace {

// Heredoc delimiters and lines are lexed with `\`, whatever `# escape=` says (BuildKit).
constexpr char k_heredoc_escape = '\\';

std::optional<std::string> no_variables(const std::string&) { return std::nullopt; }

bool is_regex_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// `^(\d*)<<(-?)\s*([^<]*)$`: the word after the operator, or nullopt.
std::optional<std::string_view> delimiter_part(std::string_view word, bool& chomp) {
    size_t i = 0;
    while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
    if (word.substr(i, 2) != "<<") return std::nullopt;
    i += 2;
    chomp = i < word.size() && word[i] == '-';
    if (chomp) ++i;
    while (i < word.size() && is_regex_space(word[i])) ++i;
    std::string_view rest = word.substr(i);
    if (rest.find('<') != std::string_view::npos) return std::nullopt;
    return rest;
}

size_t count_quotes(const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return c == '\'' || c == '"'; }));
}

// The words of `text` as the lexer splits them; empty when it cannot lex them (BuildKit
// ignores a line it cannot lex: it opens no heredocs).
std::vector<std::string> lex_words(std::string_view text, const LexOptions& options) {
    try {
        return expand_words(text, no_variables, k_heredoc_escape, options);
    } catch (const Error&) {
        return {};
    }
}

} // namespace

std::optional<Heredoc> parse_heredoc_word(std::string_view word) {
    bool chomp = false;
    std::optional<std::string_view> rest = delimiter_part(word, chomp);
    if (!rest || rest->empty()) return std::nullopt;
    // Lexed twice, with and without quote removal: if the counts of quote characters
    // differ, some part of the delimiter was quoted and the body is not expanded.
    LexOptions plain;
    plain.keep_unset = true;
    std::vector<std::string> words = lex_words(*rest, plain);
    if (words.size() != 1) return std::nullopt;
    LexOptions raw = plain;
    raw.keep_quotes = true;
    std::vector<std::string> raw_words = lex_words(*rest, raw);
    if (raw_words.size() != 1) return std::nullopt;
    Heredoc doc;
    doc.name = words[0];
    doc.expand = count_quotes(words[0]) == count_quotes(raw_words[0]);
    doc.chomp = chomp;
    return doc;
}

bool may_open_heredocs(std::string_view line) {
    CommandLine command = split_command(line);
    std::string keyword = to_upper(command.keyword);
    if (keyword == "ONBUILD") {
        command = split_command(command.args);
        keyword = to_upper(command.keyword);
    }
    if (keyword != "RUN" && keyword != "COPY" && keyword != "ADD") return false;
    std::vector<std::string> json;
    return parse_json_array(command.args, json) == JsonForm::not_json;
}

std::vector<Heredoc> heredocs_in_line(std::string_view line) {
    std::vector<Heredoc> docs;
    if (line.find("<<") == std::string_view::npos) return docs;
    LexOptions raw;
    raw.keep_quotes = true;
    raw.keep_escapes = true;
    raw.keep_unset = true;
    for (const std::string& word : lex_words(line, raw))
        if (std::optional<Heredoc> doc = parse_heredoc_word(word)) docs.push_back(std::move(*doc));
    return docs;
}

bool ends_heredoc(std::string_view line, const Heredoc& doc) {
    if (doc.chomp) line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
    return line == doc.name;
}

bool is_file_name(std::string_view name) {
    return !name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..";
}

std::string chomp_heredoc(std::string_view content) {
    std::string out;
    bool line_start = true;
    for (char c : content) {
        if (line_start && c == '\t') continue;
        line_start = c == '\n';
        out += c;
    }
    return out;
}

std::string expand_heredoc_body(std::string_view content, const VariableLookup& lookup) {
    LexOptions options;
    options.quotes_are_text = true;
    return expand_word(content, lookup, k_heredoc_escape, options);
}

std::string summarize_heredoc(std::string_view content) {
    std::string text = trim(content);
    size_t newline = text.find('\n');
    if (newline == std::string::npos) return text;
    std::string first = text.substr(0, newline);
    if (!first.empty() && first.back() == '\r') first.pop_back();
    return first + "...";
}

} // namespace mab::dockerfile
