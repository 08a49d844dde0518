#include "frontend-dockerfile/command_line.hpp"

#include <rapidjson/document.h>

#include <cctype>

namespace mab::dockerfile {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Leading "--flag" words; returns the flags and the position where the args start.
std::vector<std::string> extract_flags(std::string_view line, size_t& args_start) {
    enum class Phase { spaces, word, quote };
    std::vector<std::string> words;
    Phase phase = Phase::spaces;
    std::string word;
    char quote = 0;
    bool blank_ok = false;
    for (size_t pos = 0; pos <= line.size(); ++pos) {
        char c = pos < line.size() ? line[pos] : '\0';
        if (phase == Phase::spaces) {
            if (pos == line.size()) break;
            if (is_space(c)) continue;
            // Only words that start with "--" are flags.
            if (c != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
                args_start = pos;
                return words;
            }
            phase = Phase::word;
        }
        if (pos == line.size()) {
            if (word != "--" && (blank_ok || !word.empty())) words.push_back(word);
            break;
        }
        if (phase == Phase::word) {
            if (is_space(c)) {
                phase = Phase::spaces;
                if (word == "--") {
                    args_start = pos;
                    return words;
                }
                if (blank_ok || !word.empty()) words.push_back(word);
                word.clear();
                blank_ok = false;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                blank_ok = true;
                phase = Phase::quote;
                continue;
            }
            if (c == '\\') {
                if (pos + 1 == line.size()) continue;
                c = line[++pos];
            }
            word += c;
            continue;
        }
        // Phase::quote
        if (c == quote) {
            phase = Phase::word;
            continue;
        }
        if (c == '\\') {
            if (pos + 1 == line.size()) {
                phase = Phase::word;
                continue;
            }
            c = line[++pos];
        }
        word += c;
    }
    args_start = line.size();
    return words;
}

} // namespace

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return std::string(s.substr(b, e - b));
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

CommandLine split_command(std::string_view line) {
    std::string text = trim(line);
    CommandLine out;
    size_t end = 0;
    while (end < text.size() && !is_space(text[end])) ++end;
    out.keyword = text.substr(0, end);
    if (end < text.size()) {
        std::string_view rest = std::string_view(text).substr(end);
        size_t args_start = 0;
        out.flags = extract_flags(rest, args_start);
        out.args = trim(rest.substr(args_start));
    }
    return out;
}

JsonForm parse_json_array(std::string_view text, std::vector<std::string>& out) {
    std::string trimmed = trim(text);
    if (trimmed.empty() || trimmed[0] != '[') return JsonForm::not_json;
    rapidjson::Document doc;
    rapidjson::StringStream stream(trimmed.c_str());
    doc.ParseStream<rapidjson::kParseStopWhenDoneFlag>(stream);
    // Text after the array is ignored, as Go's json.Decoder, which BuildKit uses, reads
    // one value and stops.
    if (doc.HasParseError() || !doc.IsArray()) return JsonForm::not_json;
    out.clear();
    for (const rapidjson::Value& v : doc.GetArray()) {
        if (!v.IsString()) return JsonForm::not_strings;
        out.emplace_back(v.GetString(), v.GetStringLength());
    }
    return JsonForm::strings;
}

std::vector<std::string> split_whitespace(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        if (i > start) out.emplace_back(text.substr(start, i - start));
    }
    return out;
}

std::vector<std::string> split_quoted_words(std::string_view text, char escape) {
    enum class Phase { spaces, word, quote };
    std::vector<std::string> words;
    Phase phase = Phase::spaces;
    std::string word;
    char quote = 0;
    bool blank_ok = false;
    for (size_t pos = 0; pos <= text.size(); ++pos) {
        char c = pos < text.size() ? text[pos] : '\0';
        if (phase == Phase::spaces) {
            if (pos == text.size()) break;
            if (is_space(c)) continue;
            phase = Phase::word;
        }
        if (pos == text.size()) {
            if (blank_ok || !word.empty()) words.push_back(word);
            break;
        }
        if (phase == Phase::word) {
            if (is_space(c)) {
                phase = Phase::spaces;
                if (blank_ok || !word.empty()) words.push_back(word);
                word.clear();
                blank_ok = false;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                blank_ok = true;
                phase = Phase::quote;
            }
            if (c == escape) {
                if (pos + 1 == text.size()) continue;  // a trailing escape is dropped
                // The escape and the next character stay together, even a quote.
                word += c;
                c = text[++pos];
            }
            word += c;
            continue;
        }
        // Phase::quote
        if (c == quote) phase = Phase::word;
        if (c == escape && quote != '\'') {
            if (pos + 1 == text.size()) {
                phase = Phase::word;
                continue;
            }
            word += c;
            c = text[++pos];
        }
        word += c;
    }
    return words;
}

} // namespace mab::dockerfile
