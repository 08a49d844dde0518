#include "snapshotter/native_snapshotter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/in_root.hpp"
#include "snapshotter/tree_diff.hpp"

namespace mab::snapshotter {

namespace {

// Keys become file names directly under the snapshot directory.
void check_key(const std::string& key) {
    bool bad = key.empty() || key[0] == '.' || key.find('/') != std::string::npos ||
               key.find('\0') != std::string::npos || key.size() > 200 ||
               (key.size() > 10 && key.compare(key.size() - 10, 10, ".committed") == 0);
    if (bad) throw Error(ErrorKind::internal, "invalid snapshot key \"" + key + "\"");
}

void sync_tree(const std::filesystem::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open", dir.string());
    if (::syncfs(fd.get()) != 0) throw_errno("syncfs", dir.string());
}

} // namespace

NativeSnapshotter::NativeSnapshotter(std::filesystem::path dir) : m_dir(std::move(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(m_dir, ec);
    if (ec) throw_errno_code(ec.value(), "mkdir", m_dir.string());
    // Snapshots hold setuid files and image-owned data: keep other host users out.
    if (::chmod(m_dir.c_str(), 0700) != 0) throw_errno("chmod", m_dir.string());
}

// A snapshot is `<dir>/<key>`; it counts as committed once `<dir>/<key>.committed`
// exists. prepare() builds the tree under a temporary name and renames it into
// place, so a crash leaves either nothing or an uncommitted tree that the next
// prepare() of the same key replaces.
std::filesystem::path NativeSnapshotter::prepare(const std::string& key,
                                                 const std::optional<std::string>& parent) {
    check_key(key);
    if (exists(key)) {
        throw Error(ErrorKind::internal, "snapshot " + key + " is already committed");
    }
    if (parent && !exists(*parent)) {
        throw Error(ErrorKind::not_found, "parent snapshot " + *parent + " is not committed");
    }
    remove(key);  // a leftover of an interrupted run
    TempDir temp(m_dir, ".prepare-" + key + "-");
    if (parent) {
        copy_tree(path(*parent), temp.path());
    } else if (::chmod(temp.path().c_str(), 0755) != 0) {
        throw_errno("chmod", temp.path().string());
    }
    if (::rename(temp.path().c_str(), path(key).c_str()) != 0) {
        throw_errno("rename", path(key).string());
    }
    temp.release();
    std::lock_guard lock(m_mutex);
    m_parents[key] = parent;
    return path(key);
}

std::optional<Layer> NativeSnapshotter::diff(const std::string& key, oci::ContentStore& store,
                                             const LayerOptions& options) {
    check_key(key);
    std::optional<std::filesystem::path> lower;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_parents.find(key);
        if (found == m_parents.end()) {
            throw Error(ErrorKind::internal, "diff of snapshot " + key + ": not prepared by this process");
        }
        if (found->second) lower = path(*found->second);
    }
    return diff_trees(lower, path(key), store, options);
}

std::filesystem::path NativeSnapshotter::commit(const std::string& key) {
    check_key(key);
    struct stat st {};
    if (::lstat(path(key).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw Error(ErrorKind::not_found, "commit snapshot " + key + ": not prepared");
    }
    // The tree's data must be on disk before the marker says it is complete.
    sync_tree(path(key));
    write_file_atomically(m_dir / (key + ".committed"), key + "\n", 0600);
    return path(key);
}

std::filesystem::path NativeSnapshotter::path(const std::string& key) const { return m_dir / key; }

bool NativeSnapshotter::exists(const std::string& key) const {
    check_key(key);
    struct stat st {};
    return ::lstat((m_dir / (key + ".committed")).c_str(), &st) == 0 &&
           ::lstat(path(key).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void NativeSnapshotter::remove(const std::string& key) {
    check_key(key);
    // The marker first: a crash half-way leaves an uncommitted tree, never a
    // committed one with files missing.
    std::filesystem::path marker = m_dir / (key + ".committed");
    if (::unlink(marker.c_str()) != 0 && errno != ENOENT) throw_errno("unlink", marker.string());
    UniqueFd dir(::open(m_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open", m_dir.string());
    remove_at(dir.get(), key, path(key).string());
    std::lock_guard lock(m_mutex);
    m_parents.erase(key);
}

void NativeSnapshotter::remove_all() {
    std::vector<std::string> keys;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [key, parent] : m_parents) keys.push_back(key);
    }
    for (const std::string& key : keys) remove(key);
}

} // namespace mab::snapshotter
