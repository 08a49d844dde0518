// Typed Dockerfile instructions, parsed from raw instructions with their flags checked.
// Values are still unexpanded: $VARS are expanded while lowering, where the
// environment is known.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "frontend-dockerfile/heredoc.hpp"
#include "oci/image.hpp"

namespace mab::dockerfile {

struct RawInstruction;  // parser.hpp

struct FromInstruction {
    std::string base;                    // "scratch", "build", "debian:12"
    std::string stage_name;              // lower-cased "AS" name
    std::optional<std::string> platform; // --platform
};

// A COPY/ADD source given inline as a heredoc (`COPY <<EOF /etc/app.conf`): a file
// named after the delimiter holding the body.
struct InlineFile {
    std::string name;
    std::string data;     // the body, with leading tabs already stripped for <<-
    bool expand = true;   // $variables are expanded at lowering (unquoted delimiter)
};

struct CopyInstruction {
    bool is_add = false;
    std::vector<std::string> srcs;  // paths (heredoc words are in inline_files instead)
    std::vector<InlineFile> inline_files;
    std::string dest;
    std::string from;      // --from (COPY only)
    std::string chown;     // --chown
    std::string chmod;     // --chmod
    bool link = false;     // --link
    std::string checksum;  // --checksum (ADD only)
    bool keep_git_dir = false;
};

struct ArgDeclaration {
    std::string key;
    std::optional<std::string> value;  // the default, unexpanded
    std::string description;           // from the comment above ("# KEY what it does")
};

struct ArgInstruction {
    std::vector<ArgDeclaration> args;
};

struct KeyValue {
    std::string key;
    std::string value;
};

struct EnvInstruction {
    std::vector<KeyValue> pairs;
};

struct LabelInstruction {
    std::vector<KeyValue> pairs;
};

struct WorkdirInstruction {
    std::string path;
};

struct UserInstruction {
    std::string user;
};

// CMD, ENTRYPOINT and RUN: the exec form as given, or the shell form as one string to
// be run by the current SHELL.
struct CommandForm {
    std::vector<std::string> args;
    bool prepend_shell = false;
};

struct CmdInstruction {
    CommandForm command;
};

struct EntrypointInstruction {
    CommandForm command;
};

struct RunInstruction {
    CommandForm command;
    std::vector<Heredoc> heredocs;  // bodies as written (the shell form only)
    std::vector<std::string> mounts;  // --mount values as written (expanded at lowering)
    std::string network;              // default, none or host
    std::string security;             // sandbox or insecure
};

struct ExposeInstruction {
    std::vector<std::string> ports;
};

struct VolumeInstruction {
    std::vector<std::string> volumes;
};

struct StopSignalInstruction {
    std::string signal;
};

struct ShellInstruction {
    std::vector<std::string> shell;
};

struct MaintainerInstruction {
    std::string maintainer;
};

struct OnbuildInstruction {
    std::string expression;  // the trigger as written, e.g. "COPY . /app/", heredoc
                             // bodies and delimiters appended on their own lines
};

struct HealthcheckInstruction {
    oci::HealthcheckConfig health;  // test, durations (ns) and retries as the config holds them
};

using Instruction =
    std::variant<FromInstruction, CopyInstruction, ArgInstruction, EnvInstruction, LabelInstruction,
                 WorkdirInstruction, UserInstruction, CmdInstruction, EntrypointInstruction,
                 RunInstruction, ExposeInstruction, VolumeInstruction, StopSignalInstruction,
                 ShellInstruction, MaintainerInstruction, OnbuildInstruction, HealthcheckInstruction>;

struct Command {
    Instruction instruction;
    std::string keyword;   // upper-case
    std::string original;  // the logical line as written
    SourceSpan span;
    bool onbuild_trigger = false;  // an ONBUILD trigger of the stage's base, run first
};

// Parses one raw instruction into its typed form. Unknown instructions, unknown flags,
// wrong argument counts and malformed JSON throw Error(dockerfile) at raw.span.
// `escape` is the Dockerfile's escape character.
Command parse_command(const RawInstruction& raw, char escape);

// The instruction keywords mab knows (for suggestions).
const std::vector<std::string>& known_instructions();

} // namespace mab::dockerfile
