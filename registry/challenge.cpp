#include "registry/challenge.hpp"

#include <cctype>

namespace mab::registry {

namespace {

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : m_text(text) {}
    bool done() const { return m_pos >= m_text.size(); }
    char peek() const { return done() ? '\0' : m_text[m_pos]; }
    void skip_spaces() {
        while (!done() && (peek() == ' ' || peek() == '\t')) ++m_pos;
    }
    bool eat(char c) {
        skip_spaces();
        if (peek() != c) return false;
        ++m_pos;
        return true;
    }
    std::string token() {
        skip_spaces();
        size_t start = m_pos;
        while (!done() && is_token_char(peek())) ++m_pos;
        return std::string(m_text.substr(start, m_pos - start));
    }
    // An unquoted value, read leniently up to the next comma or space (some servers
    // send realm=https://... without quotes).
    std::string bare_value() {
        size_t start = m_pos;
        while (!done() && peek() != ',' && peek() != ' ' && peek() != '\t' && peek() != '"') ++m_pos;
        return std::string(m_text.substr(start, m_pos - start));
    }
    // A quoted-string with backslash escapes; the opening quote is next.
    std::string quoted() {
        ++m_pos;
        std::string out;
        while (!done() && peek() != '"') {
            if (peek() == '\\' && m_pos + 1 < m_text.size()) ++m_pos;
            out += m_text[m_pos++];
        }
        if (!done()) ++m_pos;
        return out;
    }
    size_t pos() const { return m_pos; }
    void seek(size_t p) { m_pos = p; }

private:
    std::string_view m_text;
    size_t m_pos = 0;
};

} // namespace

std::vector<Challenge> parse_challenges(std::string_view header) {
    std::vector<Challenge> out;
    Scanner s(header);
    while (!s.done()) {
        while (s.eat(',')) {
        }
        std::string scheme = s.token();
        if (scheme.empty()) break;
        Challenge challenge{lower(scheme), {}};
        // auth-params: name=value pairs separated by commas, until the next scheme.
        for (;;) {
            size_t mark = s.pos();
            while (s.eat(',')) {
            }
            std::string name = s.token();
            if (name.empty() || !s.eat('=')) {
                s.seek(mark);
                break;
            }
            s.skip_spaces();
            std::string value = s.peek() == '"' ? s.quoted() : s.bare_value();
            challenge.params[lower(name)] = value;
        }
        out.push_back(std::move(challenge));
        // Skip anything unparseable up to the next comma.
        size_t before = s.pos();
        if (!s.done() && !s.eat(',')) {
            if (s.pos() == before) s.seek(before + 1);
        }
    }
    return out;
}

} // namespace mab::registry
