// Here-documents in RUN, COPY and ADD (Dockerfile syntax 1.4), recognised the way
// BuildKit's parser does: an instruction line names them with words like <<EOF, <<-EOF
// or <<"EOF", and the lines after it up to a line holding just the name are their bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

struct Heredoc {
    std::string name;     // the delimiter with its quotes removed: "EOF"
    bool expand = true;   // no part of the delimiter was quoted
    bool chomp = false;   // <<-: leading tabs are stripped from the body and the delimiter line
    std::string content;  // the body lines as written, line endings included
};

// The heredoc one word opens (`[n]<<[-]word`, BuildKit's ParseHeredoc), without a
// body; nullopt when the word is not one. The delimiter is lexed with `\` as the escape
// character whatever the Dockerfile's escape directive says, as BuildKit does.
std::optional<Heredoc> parse_heredoc_word(std::string_view word);

// Whether a logical instruction line may open heredocs: RUN, COPY and ADD (also as an
// ONBUILD trigger) in their shell form, never in the JSON form.
bool may_open_heredocs(std::string_view line);

// The heredocs an instruction line opens, in order, bodies still empty.
std::vector<Heredoc> heredocs_in_line(std::string_view line);

// Whether a body line (line ending removed) is the line that ends `doc`.
bool ends_heredoc(std::string_view line, const Heredoc& doc);

// Whether a delimiter can name the file a heredoc is written to (COPY sources and
// RUN #! scripts are files named after it): not empty, no "/", not "." or "..".
bool is_file_name(std::string_view name);

// Leading tabs removed from every line (what <<- does to a body).
std::string chomp_heredoc(std::string_view content);

// A body as COPY and ADD write it: for an unquoted delimiter, $variables expanded with
// `\` escaping the next character and quotes kept as text (BuildKit's ExpandRaw).
std::string expand_heredoc_body(std::string_view content, const VariableLookup& lookup);

// BuildKit's summarizeHeredoc: the first line of the trimmed body, "..." when more follow.
std::string summarize_heredoc(std::string_view content);

} // namespace mab::dockerfile
