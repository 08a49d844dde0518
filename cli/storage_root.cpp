#include "cli/storage_root.hpp"

#include <signal.h>
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

TempDir StorageRoot::make_build_dir() const {
    return TempDir(m_root / "tmp", "build-" + std::to_string(::getpid()) + "-");
}

void StorageRoot::remove_dead_build_dirs() const {
    // Work dirs are named build-<pid>-XXXXXX; one whose process is gone was left by a
    // killed build.
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(m_root / "tmp", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("build-", 0) != 0) continue;
        pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 6));
        if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) remove_tree_forcefully(entry.path());
    }
}

} // namespace mab::cli
