// The first pass over a Dockerfile: parser directives at the top, comments, line
// continuations joined into logical lines that remember their physical lines, and the
// heredoc bodies that follow a RUN, COPY or ADD line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "frontend-dockerfile/heredoc.hpp"

namespace mab::dockerfile {

// A parser directive ("# escape=`") from the top of the file; name is lower-case.
struct Directive {
    std::string name;
    std::string value;
    int line = 0;
};

// One instruction's text after joining continuation lines (comment lines inside a
// continuation are skipped, as BuildKit does), with its 1-based physical lines. The
// heredocs the line opens carry their bodies; last_line then is the last delimiter line.
struct LogicalLine {
    std::string text;
    int first_line = 0;
    int last_line = 0;
    std::vector<Heredoc> heredocs;
    std::vector<std::string> comments;  // the comment lines just above, "#" removed
};

struct LexedFile {
    char escape = '\\';
    std::vector<Directive> directives;
    std::vector<LogicalLine> lines;
    std::vector<std::string> warnings;  // "Dockerfile:3: …"
};

// Splits `text` into logical lines. A bad or repeated directive, a heredoc the file ends
// before closing, or a line continuation with nothing after it throws Error(dockerfile)
// located at its line in `file_name`.
LexedFile lex_dockerfile(std::string_view text, const std::string& file_name);

} // namespace mab::dockerfile
