// RUN with heredocs, in the forms BuildKit's dispatchRun gives them:
//  - `RUN <<EOF` (the heredoc is the whole command): the body is the shell's script;
//  - the same with a body starting with `#!`: the body is a script file run by the
//    interpreter its first line names;
//  - anything else (`RUN python3 <<EOF`, two heredocs): the line and the bodies, each
//    followed by its delimiter, go to the shell together, which reads them as POSIX
//    here-documents (and expands them or not, by its own rules).
// The frontend never expands a RUN body itself.
#include <fmt/format.h>

#include <algorithm>

#include "frontend-dockerfile/lower_state.hpp"

namespace mab::dockerfile {

namespace {

// BuildKit mounts a `#!` script read-only at /dev/pipes/<name> and runs `<shell> <path>`.
// mab's sandbox has no such mount, so the RUN writes the script to /dev/shm (a private
// tmpfs in every RUN, writable by any user, never part of the layer) and runs its
// interpreter on it, as the kernel would for an executable script. /dev/shm is noexec,
// which is why the interpreter is run explicitly.
constexpr const char* k_script_dir = "/dev/shm/";

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The kernel's reading of a `#!` line (binfmt_script): the interpreter up to the first
// blank, then at most one argument, the rest of the line without surrounding blanks.
// Empty when the line names no interpreter.
std::vector<std::string> shebang_command(const std::string& script) {
    const size_t line_end = std::min(script.find('\n'), script.size());
    std::string line = script.substr(2, line_end - 2);
    size_t i = 0;
    while (i < line.size() && is_blank(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i == start) return {};
    std::vector<std::string> command{line.substr(start, i - start)};
    while (i < line.size() && is_blank(line[i])) ++i;
    size_t end = line.size();
    while (end > i && is_blank(line[end - 1])) --end;
    if (end > i) command.push_back(line.substr(i, end - i));
    return command;
}

// The argv that writes `script` to its file and runs it with its interpreter: the shell
// gets a fixed program, the file's path as $0 and the script as $1.
std::vector<std::string> script_file_args(const std::vector<std::string>& shell, const std::string& path,
                                          const std::string& script, std::vector<std::string> interpreter) {
    // The kernel resolves a relative interpreter against the working directory, not PATH.
    if (interpreter[0].find('/') == std::string::npos) interpreter[0] = "./" + interpreter[0];
    std::string program = "printf '%s' \"$1\" >\"$0\" && exec";
    for (const std::string& word : interpreter) program += " " + shell_quote(word);
    program += " \"$0\"";
    std::vector<std::string> args = shell;
    args.insert(args.end(), {program, path, script});
    return args;
}

} // namespace

RunCommand heredoc_run(const RunInstruction& run, const oci::ContainerConfig& config) {
    const std::vector<std::string> shell = shell_args(config);
    const std::string& line = run.command.args.at(0);
    RunCommand out;
    if (!parse_heredoc_word(line)) {
        std::string full = line;
        for (const Heredoc& doc : run.heredocs) full += "\n" + doc.content + doc.name;
        out.args = shell;
        out.args.push_back(full);
        out.shown = out.args;
        return out;
    }
    const Heredoc& doc = run.heredocs.at(0);
    const std::string script = doc.chomp ? chomp_heredoc(doc.content) : doc.content;
    out.summary = " (" + summarize_heredoc(doc.content) + ")";
    // BuildKit looks for "#!" before <<- strips tabs: an indented #! line is a comment
    // of a shell script.
    std::vector<std::string> interpreter;
    if (doc.content.compare(0, 2, "#!") == 0) interpreter = shebang_command(script);
    if (interpreter.empty()) {
        // Without an interpreter the kernel refuses the file and the shell runs it
        // itself, so a plain script and an empty `#!` line both run in the shell.
        out.args = shell;
        out.args.push_back(script);
        out.shown = out.args;
        return out;
    }
    if (!is_file_name(doc.name))
        throw Error(ErrorKind::dockerfile,
                    fmt::format("RUN <<{}: a #! script is written to a file named after its delimiter, "
                                "and {} is not a file name",
                                doc.name, doc.name));
    const std::string path = k_script_dir + doc.name;
    out.args = script_file_args(shell, path, script, interpreter);
    out.shown = shell;
    out.shown.push_back(path);
    return out;
}

} // namespace mab::dockerfile
