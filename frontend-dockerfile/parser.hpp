// The parsed Dockerfile: the raw instructions as written (for `mab debug` and golden
// tests) and the same grouped into stages of typed instructions for lowering.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "frontend-dockerfile/instructions.hpp"
#include "frontend-dockerfile/lexer.hpp"

namespace mab::dockerfile {

// One instruction as written, after joining continuation lines, with the heredocs it
// opens (their bodies are inside `span`).
struct RawInstruction {
    std::string keyword;                            // upper-cased
    std::vector<std::string> flags;                 // "--from=build" (quotes resolved)
    std::string args;                               // the text after keyword and flags
    std::optional<std::vector<std::string>> json;   // exec (JSON) form, for the
                                                    // instructions that accept one
    std::string original;                           // the whole logical line, trimmed
    std::vector<Heredoc> heredocs;                  // RUN, COPY, ADD (and ONBUILD of them)
    std::vector<std::string> comments;              // comment lines just above
    SourceSpan span;
};

// BuildKit's getComment: the text after "<name> " of the first comment line that starts
// so, which is how a stage or an ARG gets its description
// ("# build compiles the binary" above "FROM golang AS build"); "" when none does.
std::string description_for(const std::string& name, const std::vector<std::string>& comments);

// A FROM and the instructions up to the next FROM.
struct Stage {
    int index = 0;
    std::string name;          // lower-case "AS" name, or empty
    std::string description;   // from the comment above FROM (description_for)
    FromInstruction from;
    Command from_command;      // the FROM itself (for its span and text)
    std::vector<Command> commands;

    // "build" or "stage-1", as BuildKit names stages in progress output.
    std::string display_name() const;
};

struct ParsedDockerfile {
    std::string file_name;
    char escape = '\\';
    std::vector<Directive> directives;
    std::vector<RawInstruction> instructions;
    std::vector<std::string> warnings;

    std::vector<Command> global_args;  // ARGs before the first FROM
    std::vector<Stage> stages;
};

// Turns one logical line into a RawInstruction.
RawInstruction parse_raw_instruction(const LogicalLine& line, const std::string& file_name);

// A stable text dump of the raw instructions (escape, directives, warnings, then one
// line per instruction with its line span, keyword, flags and args or JSON, and
// indented lines for the comments above it and its heredocs).
std::string dump_syntax(const ParsedDockerfile& dockerfile);

} // namespace mab::dockerfile
