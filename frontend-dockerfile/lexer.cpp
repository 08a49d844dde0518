#include "frontend-dockerfile/lexer.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/syntax_directive.hpp"

namespace mab::dockerfile {

namespace {

// Directives BuildKit knows; any other "# name=value" line is a comment and ends the
// directive block.
bool is_directive_name(const std::string& name) {
    return name == "syntax" || name == "escape" || name == "check";
}

std::string_view trim_left(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\v' || s[i] == '\f' ||
                            s[i] == '\r' || s[i] == '\n'))
        ++i;
    return s.substr(i);
}

bool is_comment(std::string_view line) {
    std::string_view t = trim_left(line);
    return !t.empty() && t[0] == '#';
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Go's \s, which BuildKit's directive pattern uses.
bool is_regexp_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// Matches BuildKit's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
std::optional<Directive> match_directive(std::string_view line) {
    size_t i = 0;
    if (line.empty() || line[0] != '#') return std::nullopt;
    ++i;
    while (i < line.size() && is_regexp_space(line[i])) ++i;
    size_t name_start = i;
    if (i >= line.size() || !std::isalpha(static_cast<unsigned char>(line[i]))) return std::nullopt;
    while (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) ++i;
    std::string name = to_lower(line.substr(name_start, i - name_start));
    while (i < line.size() && is_regexp_space(line[i])) ++i;
    if (i >= line.size() || line[i] != '=') return std::nullopt;
    ++i;
    while (i < line.size() && is_regexp_space(line[i])) ++i;
    size_t end = line.size();
    while (end > i && is_regexp_space(line[end - 1])) --end;
    if (end == i) return std::nullopt;
    return Directive{name, std::string(line.substr(i, end - i)), 0};
}

// Removes a trailing escape character (plus blanks after it); false when there was one,
// i.e. the instruction continues on the next line.
bool trim_continuation(std::string& line, char escape) {
    size_t end = line.size();
    while (end > 0 && is_blank(line[end - 1])) --end;
    if (end > 0 && line[end - 1] == escape) {
        line.resize(end - 1);
        return false;
    }
    return true;
}

// A line of the file: its text without the line ending, and as written (heredoc bodies
// keep their line endings, "\r\n" included, as BuildKit reads them).
struct PhysicalLine {
    std::string_view text;
    std::string_view raw;
};

std::vector<PhysicalLine> physical_lines(std::string_view text) {
    std::vector<PhysicalLine> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
        std::string_view raw = text.substr(start, end - start);
        std::string_view line = raw;
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
        lines.push_back({line, raw});
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return lines;
}

// Reads `doc`'s body from line index `next` on; returns the index after its delimiter.
// Body lines are never instructions, comments or continuations.
size_t read_heredoc_body(Heredoc& doc, const std::vector<PhysicalLine>& lines, size_t next,
                         const LogicalLine& owner, const std::string& file_name) {
    while (next < lines.size()) {
        const PhysicalLine& line = lines[next++];
        if (ends_heredoc(line.text, doc)) return next;
        doc.content += line.raw;
    }
    throw Error(ErrorKind::dockerfile,
                fmt::format("unterminated heredoc: no line \"{}\" ends it before the end of the file (line {})",
                            doc.name, lines.size()),
                SourceSpan{file_name, owner.first_line, owner.last_line})
        .with_hint(fmt::format("end the heredoc with a line that holds only {}{}", doc.name,
                               doc.chomp ? " (leading tabs allowed with <<-)" : ""));
}

// Comment lines collect above the next instruction (BuildKit's PrevComment, where the
// description of a stage or an ARG comes from); an empty "#" starts the collection
// again. Like BuildKit, the text is the line after its first character, trimmed, so an
// indented comment keeps its "#".
void note_comment(std::string_view line, std::vector<std::string>& comments) {
    if (!is_comment(line)) return;
    std::string text = trim(line.substr(1));
    if (text.empty())
        comments.clear();
    else
        comments.push_back(std::move(text));
}

class DirectiveReader {
public:
    DirectiveReader(LexedFile& out, const std::string& file_name) : m_out(out), m_file(file_name) {}

    // Looks at a line while the directive block is still open.
    void consider(std::string_view line, int number) {
        if (m_done) return;
        std::optional<Directive> d = match_directive(line);
        if (!d || !is_directive_name(d->name)) {
            m_done = true;
            return;
        }
        SourceSpan span{m_file, number, number};
        for (const Directive& seen : m_out.directives)
            if (seen.name == d->name)
                throw Error(ErrorKind::dockerfile,
                            fmt::format("only one {} parser directive can be used", d->name), span);
        d->line = number;
        if (d->name == "escape") {
            if (d->value != "\\" && d->value != "`")
                throw Error(ErrorKind::dockerfile,
                            fmt::format("invalid escape token '{}' does not match ` or \\", d->value), span);
            m_out.escape = d->value[0];
        } else if (d->name == "syntax") {
            if (!names_implemented_syntax(d->value))
                m_out.warnings.push_back(fmt::format(
                    "{}:{}: syntax directive '{}' is ignored: mab always uses its built-in Dockerfile frontend, "
                    "which implements docker/dockerfile:1.{}",
                    m_file, number, d->value, k_implemented_syntax_minor));
        } else {
            m_out.warnings.push_back(
                fmt::format("{}:{}: check directive is ignored: mab does not run build checks yet", m_file, number));
        }
        m_out.directives.push_back(std::move(*d));
    }

private:
    LexedFile& m_out;
    const std::string& m_file;
    bool m_done = false;
};

} // namespace

LexedFile lex_dockerfile(std::string_view text, const std::string& file_name) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
    LexedFile out;
    DirectiveReader directives(out, file_name);
    std::vector<PhysicalLine> lines = physical_lines(text);
    size_t i = 0;
    std::vector<std::string> comments;  // comment lines since the last instruction
    while (i < lines.size()) {
        int first = static_cast<int>(i) + 1;
        note_comment(lines[i].text, comments);
        std::string_view stripped = trim_left(lines[i].text);
        ++i;
        directives.consider(stripped, first);
        std::string line = is_comment(stripped) ? std::string() : std::string(stripped);
        bool end_of_line = trim_continuation(line, out.escape);
        if (end_of_line && trim(line).empty()) continue;
        int empty_continuation = 0;  // the first empty line inside the continuation
        while (!end_of_line && i < lines.size()) {
            std::string_view next = lines[i].text;
            ++i;
            if (is_comment(next)) continue;
            if (trim_left(next).empty()) {
                if (!empty_continuation) empty_continuation = static_cast<int>(i);
                continue;
            }
            std::string part(next);
            end_of_line = trim_continuation(part, out.escape);
            line += part;
        }
        int last = static_cast<int>(i);
        if (empty_continuation)
            out.warnings.push_back(fmt::format(
                "{}:{}: NoEmptyContinuation: Empty continuation line (empty continuation lines will become "
                "errors in a future release)",
                file_name, empty_continuation));
        // BuildKit makes an instruction of nothing here, and its name is empty.
        if (trim(line).empty())
            throw Error(ErrorKind::dockerfile, "unknown instruction: ", SourceSpan{file_name, first, last})
                .with_hint("the line holds only a line continuation: an escape character at its end with "
                           "nothing after it");
        LogicalLine logical{std::move(line), first, last, {}, std::move(comments)};
        comments.clear();
        if (may_open_heredocs(logical.text)) {
            logical.heredocs = heredocs_in_line(logical.text);
            for (Heredoc& doc : logical.heredocs) i = read_heredoc_body(doc, lines, i, logical, file_name);
            logical.last_line = static_cast<int>(i);
        }
        out.lines.push_back(std::move(logical));
    }
    return out;
}

} // namespace mab::dockerfile
