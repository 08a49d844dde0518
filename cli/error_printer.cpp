#include "cli/error_printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mab::cli {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// Like buildx: a few lines of context before the marked lines.
void print_source_block(std::FILE* out, const SourceSpan& span, const std::string& text) {
    std::vector<std::string> lines = split_lines(text);
    int first = std::max(1, span.first_line - 4);
    int last = std::min(static_cast<int>(lines.size()), std::max(span.last_line, span.first_line));
    fmt::print(out, "{}:{}\n--------------------\n", span.file,
               span.first_line == span.last_line || span.last_line == 0
                   ? fmt::format("{}", span.first_line)
                   : fmt::format("{}-{}", span.first_line, span.last_line));
    for (int n = first; n <= last; ++n) {
        bool marked = n >= span.first_line && n <= std::max(span.last_line, span.first_line);
        fmt::print(out, " {:>3} | {} {}\n", n, marked ? ">>>" : "   ", lines[static_cast<size_t>(n - 1)]);
    }
    fmt::print(out, "--------------------\n");
}

} // namespace

const std::string* SourceRegistry::find(const std::string& file) const {
    auto it = m_texts.find(file);
    return it == m_texts.end() ? nullptr : &it->second;
}

void print_error(std::FILE* out, const Error& error, const SourceRegistry& sources) {
    if (error.span()) {
        const std::string* text = sources.find(error.span()->file);
        if (text && error.span()->first_line > 0) print_source_block(out, *error.span(), *text);
        fmt::print(out, "ERROR: {}:{}: {}\n", error.span()->file, error.span()->first_line, error.what());
    } else {
        fmt::print(out, "ERROR: {}\n", error.what());
    }
    if (!error.hint().empty()) fmt::print(out, "hint: {}\n", error.hint());
}

int exit_code_for(ErrorKind kind) {
    if (kind == ErrorKind::usage) return 2;
    if (kind == ErrorKind::cancelled) return 130;  // as a shell reports a Ctrl-C
    return 1;
}

} // namespace mab::cli
