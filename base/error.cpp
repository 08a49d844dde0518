#include "base/error.hpp"

#include <cerrno>
#include <cstring>

namespace mab {

Error::Error(ErrorKind kind, const std::string& message)
    : std::runtime_error(message), m_kind(kind) {}

Error::Error(ErrorKind kind, const std::string& message, SourceSpan span)
    : std::runtime_error(message), m_kind(kind), m_span(std::move(span)) {}

Error& Error::with_span_if_unset(const SourceSpan& span) {
    if (!m_span) m_span = span;
    return *this;
}

Error& Error::with_hint(std::string hint) {
    m_hint = std::move(hint);
    return *this;
}

SystemError::SystemError(int err, const std::string& what)
    : Error(ErrorKind::io, what + ": " + std::strerror(err)), m_errno(err) {}

void throw_errno_code(int err, const std::string& call, const std::string& path) {
    throw SystemError(err, path.empty() ? call : call + " " + path);
}

void throw_errno(const std::string& call, const std::string& path) {
    throw_errno_code(errno, call, path);
}

} // namespace mab
