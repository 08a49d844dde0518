#include "frontend-dockerfile/word_expansion.hpp"

#include <cctype>

#include "base/error.hpp"
#include "frontend-dockerfile/go_text.hpp"

namespace mab::dockerfile {

namespace {

constexpr int k_end = -1;

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Collects the words of the expansion: characters that came from quotes or escapes are
// never separators, characters from variable values and plain text are.
class WordCollector {
public:
    void add_char(char c) {
        if (is_space(static_cast<unsigned char>(c))) {
            if (m_in_word && !m_word.empty()) {
                m_words.push_back(std::move(m_word));
                m_word.clear();
                m_in_word = false;
            }
        } else {
            add_raw_char(c);
        }
    }
    void add_raw_char(char c) {
        m_word += c;
        m_in_word = true;
    }
    void add_string(std::string_view s) {
        for (char c : s) add_char(c);
    }
    void add_raw_string(std::string_view s) {
        m_word += s;
        m_in_word = true;
    }
    std::vector<std::string> finish() {
        if (!m_word.empty()) m_words.push_back(std::move(m_word));
        m_word.clear();
        m_in_word = false;
        return std::move(m_words);
    }

private:
    std::string m_word;
    std::vector<std::string> m_words;
    bool m_in_word = false;
};

struct Result {
    std::string text;
    std::vector<std::string> words;
};

class Expander {
public:
    Expander(std::string_view input, const VariableLookup& lookup, char escape, const LexOptions& options)
        : m_input(input), m_lookup(lookup), m_escape(escape), m_options(options) {}

    // Processes up to `stop` (consumed) or the end of input when stop is k_end.
    Result process_until(int stop) {
        std::string result;
        WordCollector words;
        while (peek() != k_end) {
            int c = peek();
            if (stop != k_end && c == stop) {
                next();
                return {result, words.finish()};
            }
            bool quote = (c == '\'' || c == '"') && !m_options.quotes_are_text;
            if (quote || c == '$') {
                std::string part = c == '\'' ? single_quote() : c == '"' ? double_quote() : dollar();
                result += part;
                if (c == '$')
                    words.add_string(part);
                else
                    words.add_raw_string(part);
                continue;
            }
            c = next();
            if (c == m_escape) {
                if (m_options.keep_escapes) {
                    result += m_escape;
                    words.add_raw_char(m_escape);
                }
                c = next();
                if (c == k_end) break;  // an escape at the very end is dropped
                words.add_raw_char(static_cast<char>(c));
            } else {
                words.add_char(static_cast<char>(c));
            }
            result += static_cast<char>(c);
        }
        if (stop != k_end)
            fail(std::string("unexpected end of statement while looking for matching ") +
                 static_cast<char>(stop));
        return {result, words.finish()};
    }

    [[noreturn]] void fail(const std::string& reason) const { throw Reason{reason}; }

    struct Reason {
        std::string text;
    };

private:
    int peek() const {
        return m_pos < m_input.size() ? static_cast<unsigned char>(m_input[m_pos]) : k_end;
    }
    int next() {
        int c = peek();
        if (c != k_end) ++m_pos;
        return c;
    }

    // '…': everything literal up to the next single quote; nothing escapes inside.
    std::string single_quote() {
        next();
        std::string out = m_options.keep_quotes ? "'" : "";
        for (;;) {
            int c = next();
            if (c == k_end) fail("unexpected end of statement while looking for matching single-quote");
            if (c == '\'') return m_options.keep_quotes ? out + "'" : out;
            out += static_cast<char>(c);
        }
    }

    // "…": $ expands; the escape character quotes only ", $ and itself.
    std::string double_quote() {
        next();
        std::string out = m_options.keep_quotes ? "\"" : "";
        for (;;) {
            int c = peek();
            if (c == k_end) fail("unexpected end of statement while looking for matching double-quote");
            if (c == '"') {
                next();
                return m_options.keep_quotes ? out + "\"" : out;
            }
            if (c == '$') {
                out += dollar();
                continue;
            }
            c = next();
            if (c == m_escape) {
                if (m_options.keep_escapes) out += m_escape;
                int following = peek();
                if (following == k_end) continue;  // a trailing escape is dropped
                if (following == '"' || following == '$' || following == m_escape) c = next();
            }
            out += static_cast<char>(c);
        }
    }

    // A name: letters, digits and _, or one special parameter, or a run of digits.
    std::string name() {
        std::string out;
        int c = peek();
        if (c != k_end && std::isdigit(c)) {
            while (peek() != k_end && std::isdigit(peek())) out += static_cast<char>(next());
            return out;
        }
        switch (c) {
        case '@': case '*': case '#': case '?': case '-': case '$': case '!':
            out += static_cast<char>(next());
            return out;
        default:
            break;
        }
        // Bytes >= 0x80 are parts of UTF-8 letters (Go's unicode.IsLetter accepts them).
        while (peek() != k_end && (std::isalnum(peek()) || peek() == '_' || peek() >= 0x80))
            out += static_cast<char>(next());
        return out;
    }

    std::optional<std::string> get(const std::string& var) const { return m_lookup(var); }

    // The word after a modifier, up to the closing brace. BuildKit processes it with
    // escapes removed even when the lexer keeps them elsewhere.
    std::string modifier_word() {
        const bool keep_escapes = m_options.keep_escapes;
        m_options.keep_escapes = false;
        try {
            std::string word = process_until('}').text;
            m_options.keep_escapes = keep_escapes;
            return word;
        } catch (const Reason&) {
            if (peek() == k_end) fail("syntax error: missing '}'");
            throw;
        }
    }

    std::string dollar() {
        next();
        if (peek() != '{') {
            std::string var = name();
            if (var.empty()) return "$";
            std::optional<std::string> value = get(var);
            if (!value && m_options.keep_unset) return "$" + var;
            return value.value_or("");
        }
        next();
        switch (peek()) {
        case k_end:
            fail("syntax error: missing '}'");
        case '{': case '}': case ':':
            fail("syntax error: bad substitution");
        default:
            break;
        }
        std::string var = name();
        int c = next();
        std::optional<std::string> value = get(var);
        // With keep_unset, an unset variable's expression stays as written (its word
        // processed), whatever the modifier.
        auto kept = [&](const std::string& modifier, const std::string& word) {
            return "${" + var + modifier + word + "}";
        };
        switch (c) {
        case '}':
            if (!value && m_options.keep_unset) return kept("", "");
            return value.value_or("");
        case k_end:
            fail("syntax error: missing '}'");
        case '?': {
            std::string word = modifier_word();
            if (!value && m_options.keep_unset) return kept("?", word);
            if (!value) fail(var + ": " + (word.empty() ? "is not allowed to be unset" : word));
            return *value;
        }
        case '-': {
            std::string word = modifier_word();
            if (!value && m_options.keep_unset) return kept("-", word);
            return value ? *value : word;
        }
        case '+': {
            std::string word = modifier_word();
            if (!value && m_options.keep_unset) return kept("+", word);
            return value ? word : "";
        }
        case ':': {
            int modifier = next();
            std::string word = modifier_word();
            if (!value && m_options.keep_unset && modifier != k_end)
                return kept(std::string(":") + static_cast<char>(modifier), word);
            switch (modifier) {
            case '-':
                return value && !value->empty() ? *value : word;
            case '+':
                return value && !value->empty() ? word : "";
            case '?':
                if (!value) fail(var + ": " + (word.empty() ? "is not allowed to be unset" : word));
                if (value->empty()) fail(var + ": " + (word.empty() ? "is not allowed to be empty" : word));
                return *value;
            default:
                fail(std::string("unsupported modifier (") +
                     (modifier == k_end ? std::string() : std::string(1, static_cast<char>(modifier))) +
                     ") in substitution");
            }
        }
        default:
            fail(std::string("unsupported modifier (") + static_cast<char>(c) + ") in substitution");
        }
    }

    std::string_view m_input;
    size_t m_pos = 0;
    const VariableLookup& m_lookup;
    char m_escape;
    LexOptions m_options;
};

Result run(std::string_view word, const VariableLookup& lookup, char escape, const LexOptions& options) {
    Expander expander(word, lookup, escape, options);
    try {
        return expander.process_until(k_end);
    } catch (const Expander::Reason& reason) {
        // Go's %q of the word, as BuildKit words it (a heredoc body has newlines).
        throw Error(ErrorKind::dockerfile, "failed to process " + go_quote(word) + ": " + reason.text);
    }
}

} // namespace

std::string expand_word(std::string_view word, const VariableLookup& lookup, char escape,
                        const LexOptions& options) {
    return run(word, lookup, escape, options).text;
}

std::vector<std::string> expand_words(std::string_view word, const VariableLookup& lookup,
                                      char escape, const LexOptions& options) {
    return run(word, lookup, escape, options).words;
}

VariableLookup lookup_in(const std::vector<std::string>& env) {
    return [env](const std::string& name) -> std::optional<std::string> {
        std::optional<std::string> found;
        for (const std::string& entry : env) {
            if (entry.size() > name.size() && entry[name.size()] == '=' &&
                entry.compare(0, name.size(), name) == 0)
                found = entry.substr(name.size() + 1);
            else if (entry == name)
                found = "";
        }
        return found;
    };
}

} // namespace mab::dockerfile
