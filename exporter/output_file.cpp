#include "exporter/output_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.hpp"

namespace mab::exporter {

OutputFile::OutputFile(const std::string& dest) {
    if (dest == "-") return;
    std::filesystem::path path(dest);
    if (std::filesystem::is_directory(path))
        throw Error(ErrorKind::usage, "output destination " + dest + " is a directory; a file is needed");
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    m_file = std::make_unique<AtomicFile>(path, 0644);
}

int OutputFile::fd() const { return m_file ? m_file->fd() : STDOUT_FILENO; }

void OutputFile::commit() {
    if (m_file) m_file->commit();
}

void FdSink::write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(m_fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write", "output");
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

} // namespace mab::exporter
