#include "cli/storage_root.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

void make_private_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::io, "create storage directory " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
}

} // namespace

StorageRoot::StorageRoot(fs::path root) : m_root(std::move(root)) {
    make_private_dir(m_root);
    make_private_dir(m_root / "content");
    make_private_dir(m_root / "tmp");
    remove_dead_build_dirs();
}

BuildDir StorageRoot::make_build_dir() const {
    BuildDir build{TempDir(m_root / "tmp", "build-" + std::to_string(::getpid()) + "-"), UniqueFd()};
    const fs::path lock = build.path() / ".lock";
    build.lock.reset(::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    if (!build.lock) throw_errno("create", lock.string());
    if (::flock(build.lock.get(), LOCK_EX | LOCK_NB) != 0) throw_errno("flock", lock.string());
    return build;
}

UniqueFd StorageRoot::lock_cache(CacheLockMode mode, bool wait) const {
    make_private_dir(cache_dir());
    const fs::path path = cache_dir() / ".lock";
    UniqueFd fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create", path.string());
    const int operation = (mode == CacheLockMode::shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB);
    while (::flock(fd.get(), operation) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK && !wait) return UniqueFd();
        throw_errno("flock", path.string());
    }
    return fd;
}

namespace {

// True when no live build holds `dir`: its lock can be taken, or (a dir made by a
// build that has not created its lock yet, or by an older mab) its pid is gone.
bool build_dir_is_dead(const fs::path& dir, pid_t pid) {
    UniqueFd lock(::open((dir / ".lock").c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (lock) return ::flock(lock.get(), LOCK_EX | LOCK_NB) == 0;
    return pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH);
}

} // namespace

void StorageRoot::remove_dead_build_dirs() const {
    // Work dirs are named build-<pid>-XXXXXX; one whose build is gone was left by a
    // killed build.
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(m_root / "tmp", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("build-", 0) != 0) continue;
        const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 6));
        if (build_dir_is_dead(entry.path(), pid)) remove_tree_forcefully(entry.path());
    }
}

} // namespace mab::cli
