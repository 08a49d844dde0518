#include "executor/private_tmpfs.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/error.hpp"

namespace mab::executor {

PrivateTmpfs::PrivateTmpfs(const std::filesystem::path& parent, const std::string& prefix, long size_bytes) {
    std::string pattern = (parent / (prefix + "XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw_errno("mkdtemp", pattern);
    m_path = buf.data();
    const std::string options = "mode=0700,size=" + std::to_string(size_bytes);
    if (::mount("tmpfs", m_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options.c_str()) != 0) {
        const int err = errno;
        ::rmdir(m_path.c_str());
        errno = err;
        throw_errno("mount tmpfs on", m_path.string());
    }
}

PrivateTmpfs::~PrivateTmpfs() {
    // Detached: a sandbox that still holds a bind of a file in it cannot keep it busy.
    ::umount2(m_path.c_str(), MNT_DETACH);
    ::rmdir(m_path.c_str());
}

} // namespace mab::executor
