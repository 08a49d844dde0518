#include "frontend-dockerfile/word_expansion.hpp"

#include "base/error.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/go_unicode.hpp"
#include "frontend-dockerfile/shell_pattern.hpp"

namespace mab::dockerfile {

namespace {

using Rune = int32_t;      // a code point, or k_end
constexpr Rune k_end = -1;

// Go's string(r): the UTF-8 of a rune; the end of input (-1) prints as U+FFFD.
std::string rune_text(Rune r) {
    std::string out;
    append_rune(out, r == k_end ? k_rune_error : static_cast<char32_t>(r));
    return out;
}

// Collects the words of the expansion: characters that came from quotes or escapes are
// never separators, characters from variable values and plain text are.
class WordCollector {
public:
    void add_rune(Rune r) {
        if (is_go_space(static_cast<char32_t>(r))) {
            if (m_in_word && !m_word.empty()) {
                m_words.push_back(std::move(m_word));
                m_word.clear();
                m_in_word = false;
            }
        } else {
            add_raw_rune(r);
        }
    }
    void add_raw_rune(Rune r) {
        append_rune(m_word, static_cast<char32_t>(r));
        m_in_word = true;
    }
    void add_string(std::string_view s) {
        for (const RuneAt& r : decode_runes(s)) add_rune(static_cast<Rune>(r.rune));
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

// Why expansion failed; run() turns it into the Error with the word.
struct Reason {
    std::string text;
};

[[noreturn]] void fail(std::string reason) { throw Reason{std::move(reason)}; }

[[noreturn]] void fail_unsupported(const std::string& modifier) {
    fail("unsupported modifier (" + modifier + ") in substitution");
}

bool is_special_parameter(Rune r) {
    switch (r) {
    case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
        return true;
    default:
        return false;
    }
}

class Expander {
public:
    Expander(std::string_view input, const VariableLookup& lookup, char escape, const LexOptions& options)
        : m_input(input), m_lookup(lookup), m_escape(static_cast<unsigned char>(escape)), m_options(options) {
        // Go's text/scanner skips a byte order mark at the very start.
        if (DecodedRune first = decode_rune(m_input, 0); first.rune == 0xFEFF) m_pos = first.width;
    }

    // Processes up to `stop` (consumed) or the end of input when stop is k_end.
    // `raw_escapes` keeps escape characters in the result while this part is read.
    Result process_until(Rune stop, bool raw_escapes) {
        RawEscapesFor scope(*this, raw_escapes);
        std::string result;
        WordCollector words;
        while (peek() != k_end) {
            Rune c = peek();
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
                if (m_raw_escapes) {
                    words.add_raw_rune(c);
                    result += rune_text(c);
                }
                c = next();
                if (c == k_end) break;  // an escape at the very end is dropped
                words.add_raw_rune(c);
            } else {
                words.add_rune(c);
            }
            result += rune_text(c);
        }
        if (stop != k_end) fail("unexpected end of statement while looking for matching " + rune_text(stop));
        return {result, words.finish()};
    }

private:
    // Sets the raw-escapes switch for one process_until and puts it back after.
    class RawEscapesFor {
    public:
        RawEscapesFor(Expander& e, bool raw) : m_e(e), m_saved(e.m_raw_escapes) { e.m_raw_escapes = raw; }
        ~RawEscapesFor() { m_e.m_raw_escapes = m_saved; }
        RawEscapesFor(const RawEscapesFor&) = delete;
        RawEscapesFor& operator=(const RawEscapesFor&) = delete;

    private:
        Expander& m_e;
        bool m_saved;
    };

    Rune peek() const {
        DecodedRune r = decode_rune(m_input, m_pos);
        return r.width == 0 ? k_end : static_cast<Rune>(r.rune);
    }
    Rune next() {
        DecodedRune r = decode_rune(m_input, m_pos);
        if (r.width == 0) return k_end;
        m_pos += r.width;
        return static_cast<Rune>(r.rune);
    }

    // '…': everything literal up to the next single quote; nothing escapes inside.
    std::string single_quote() {
        next();
        std::string out = m_options.keep_quotes ? "'" : "";
        for (;;) {
            Rune c = next();
            if (c == k_end) fail("unexpected end of statement while looking for matching single-quote");
            if (c == '\'') return m_options.keep_quotes ? out + "'" : out;
            out += rune_text(c);
        }
    }

    // "…": $ expands; the escape character quotes only ", $ and itself (and stays in
    // front of anything else, twice when escapes are kept, as BuildKit writes it).
    std::string double_quote() {
        next();
        std::string out = m_options.keep_quotes ? "\"" : "";
        for (;;) {
            Rune c = peek();
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
                if (m_raw_escapes) out += rune_text(c);
                Rune following = peek();
                if (following == k_end) continue;  // a trailing escape is dropped
                if (following == '"' || following == '$' || following == m_escape) c = next();
            }
            out += rune_text(c);
        }
    }

    // A name: letters, digits and _; or one special parameter; or a run of digits.
    std::string name() {
        std::string out;
        while (peek() != k_end) {
            Rune c = peek();
            if (out.empty() && is_go_digit(static_cast<char32_t>(c))) {
                while (peek() != k_end && is_go_digit(static_cast<char32_t>(peek()))) out += rune_text(next());
                return out;
            }
            if (out.empty() && is_special_parameter(c)) return rune_text(next());
            if (!is_go_letter(static_cast<char32_t>(c)) && !is_go_digit(static_cast<char32_t>(c)) && c != '_') break;
            out += rune_text(next());
        }
        return out;
    }

    // The word of a modifier, up to `stop`; reaching the end of input is `missing`.
    std::string modifier_word(Rune stop, bool raw_escapes, const char* missing) {
        try {
            return process_until(stop, raw_escapes).text;
        } catch (const Reason&) {
            if (peek() == k_end) fail(missing);
            throw;
        }
    }

    std::string dollar() {
        next();
        if (peek() != '{') {
            std::string var = name();
            if (var.empty()) return "$";
            std::optional<std::string> value = m_lookup(var);
            if (!value && m_options.keep_unset) return "$" + var;
            return value.value_or("");
        }
        next();
        Rune first = peek();
        if (first == k_end) fail("syntax error: missing '}'");
        if (first == '{' || first == '}' || first == ':') fail("syntax error: bad substitution");
        std::string var = name();
        Rune op = next();
        std::string ops = rune_text(op);
        if (op == '}') {
            std::optional<std::string> value = m_lookup(var);
            if (!value && m_options.keep_unset) return "${" + var + "}";
            return value.value_or("");
        }
        if (op == '/') return replacement(var);
        bool null_is_unset = false;
        if (op == ':') {
            null_is_unset = true;
            op = next();
            ops += rune_text(op);
        } else if (op != '+' && op != '-' && op != '?' && op != '#' && op != '%') {
            fail_unsupported(ops);
        }
        const bool pattern = op == '#' || op == '%';
        if (null_is_unset && pattern) fail_unsupported(ops);
        std::string word = modifier_word('}', pattern, "syntax error: missing '}'");
        std::optional<std::string> value = m_lookup(var);
        if (!value && m_options.keep_unset) return "${" + var + ops + word + "}";
        const bool unset = !value || (null_is_unset && value->empty());
        switch (op) {
        case '-':
            return unset ? word : *value;
        case '+':
            return unset ? "" : word;
        case '?':
            if (!value) fail(var + ": " + (word.empty() ? "is not allowed to be unset" : word));
            if (unset) fail(var + ": " + (word.empty() ? "is not allowed to be empty" : word));
            return *value;
        case '#':
        case '%': {
            // A doubled # or % asks for the longest match.
            const bool longest = !word.empty() && word[0] == static_cast<char>(op);
            if (longest) word.erase(0, 1);
            try {
                return op == '%' ? trim_pattern_suffix(word, value.value_or(""), longest)
                                 : trim_pattern_prefix(word, value.value_or(""), longest);
            } catch (const Error& e) {
                fail(e.what());
            }
        }
        default:
            fail_unsupported(ops);
        }
    }

    // ${v/pattern/replacement} and ${v//pattern/replacement}: both parts keep their escapes.
    std::string replacement(const std::string& var) {
        const bool all = peek() == '/';
        if (all) next();
        std::string pattern = modifier_word('/', true, "syntax error: missing '/' in ${}");
        std::string replace_with = modifier_word('}', true, "syntax error: missing '}'");
        std::optional<std::string> value = m_lookup(var);
        // BuildKit writes an unset ${v//p/r} back with a single slash.
        if (!value && m_options.keep_unset) return "${" + var + "/" + pattern + "/" + replace_with + "}";
        // Replacements that repeat a long value grow with each reference: a few hundred
        // bytes of Dockerfile could ask for gigabytes (found by the fuzzer).
        constexpr size_t k_max_result = 16 << 20;
        if (all && !pattern.empty() && value && replace_with.size() > pattern.size() &&
            value->size() / pattern.size() * replace_with.size() > k_max_result)
            fail("the result of ${" + var + "//…} would exceed 16 MiB");
        try {
            std::string out = all ? replace_pattern_all(pattern, value.value_or(""), replace_with)
                                  : replace_pattern_first(pattern, value.value_or(""), replace_with);
            if (out.size() > k_max_result) fail("the result of ${" + var + "/…} exceeds 16 MiB");
            return out;
        } catch (const Error& e) {
            fail(e.what());
        }
    }

    std::string_view m_input;
    size_t m_pos = 0;
    const VariableLookup& m_lookup;
    Rune m_escape;
    LexOptions m_options;
    bool m_raw_escapes = false;
};

Result run(std::string_view word, const VariableLookup& lookup, char escape, const LexOptions& options) {
    Expander expander(word, lookup, escape, options);
    try {
        return expander.process_until(k_end, options.keep_escapes);
    } catch (const Reason& reason) {
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
