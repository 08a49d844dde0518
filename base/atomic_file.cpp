#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

#include "base/error.hpp"

namespace mab {

namespace {

std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char k_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (int i = 0; i < 12; ++i) out += k_alphabet[rng() % (sizeof(k_alphabet) - 1)];
    return out;
}

void fsync_directory(const std::filesystem::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) ::fsync(fd.get());
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path target, unsigned mode) : m_target(std::move(target)) {
    std::filesystem::path dir = m_target.parent_path();
    if (dir.empty()) dir = ".";
    m_temp = dir / (".tmp-" + m_target.filename().string() + "-" + random_suffix());
    m_fd.reset(::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!m_fd) throw_errno("create", m_temp.string());
    // The umask must not decide the final mode of what we publish.
    ::fchmod(m_fd.get(), mode);
}

AtomicFile::~AtomicFile() {
    if (!m_committed) {
        m_fd.reset();
        ::unlink(m_temp.c_str());
    }
}

void AtomicFile::write(std::string_view data) { write(data.data(), data.size()); }

void AtomicFile::write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(m_fd.get(), p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write", m_temp.string());
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

void AtomicFile::commit() {
    if (::fsync(m_fd.get()) != 0) throw_errno("fsync", m_temp.string());
    m_fd.reset();
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0) throw_errno("rename", m_target.string());
    m_committed = true;
    fsync_directory(m_target.parent_path().empty() ? "." : m_target.parent_path());
}

void write_file_atomically(const std::filesystem::path& target, std::string_view data,
                           unsigned mode) {
    AtomicFile file(target, mode);
    file.write(data);
    file.commit();
}

void read_chunks(int fd, const std::filesystem::path& path, const std::function<void(const char*, size_t)>& chunk) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read", path.string());
        }
        if (n == 0) break;
        chunk(buf, static_cast<size_t>(n));
    }
}

std::string read_file(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open", path.string());
    std::string out;
    read_chunks(fd.get(), path, [&](const char* data, size_t size) { out.append(data, size); });
    return out;
}

} // namespace mab
