// mab's one error type: a category, an optional Dockerfile location and an optional hint.
// The CLI maps the category to an exit code (cli/exit_codes.cpp) and prints the rest.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mab {

enum class ErrorKind {
    usage,       // bad flags or arguments
    dockerfile,  // the Dockerfile (or an instruction's arguments) is wrong
    input,       // bad build input: context files, archives, options in files
    io,          // the filesystem or a system call failed
    registry,
    sandbox,
    emulation,
    not_found,
    internal,
    cancelled,   // Ctrl-C / SIGTERM: stopped on request
};

// A place in a source file (1-based lines, inclusive). Columns are optional.
struct SourceSpan {
    std::string file;
    int first_line = 0;
    int last_line = 0;
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message);
    Error(ErrorKind kind, const std::string& message, SourceSpan span);

    ErrorKind kind() const { return m_kind; }
    const std::optional<SourceSpan>& span() const { return m_span; }
    const std::string& hint() const { return m_hint; }

    // Attaches a location if none is set yet (the innermost location wins).
    Error& with_span_if_unset(const SourceSpan& span);
    Error& with_hint(std::string hint);

private:
    ErrorKind m_kind;
    std::optional<SourceSpan> m_span;
    std::string m_hint;
};

// A failed system call; keeps errno so callers can branch on EXDEV, EPERM, ...
// The message reads like crun's: "mkdir /a/b: Permission denied".
class SystemError : public Error {
public:
    SystemError(int err, const std::string& what);
    int code() const { return m_errno; }

private:
    int m_errno;
};

// Throws SystemError for `call` on `path` with the current errno.
[[noreturn]] void throw_errno(const std::string& call, const std::string& path = {});
[[noreturn]] void throw_errno_code(int err, const std::string& call, const std::string& path = {});

} // namespace mab
