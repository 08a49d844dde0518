// Directory mtimes for one file op. Adding or removing an entry bumps its directory's
// mtime to "now", which would make every layer different; instead the op decides each
// touched directory's final mtime and applies them all at the end:
//  - existing directories keep the mtime they had before the op touched them;
//  - directories the op creates get the op's created_dir_mtime;
//  - copied directories get their source's mtime.
#pragma once

#include <time.h>

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

class DirTimes {
public:
    explicit DirTimes(snapshotter::RootFs& root) : m_root(root) {}

    // Remembers the current mtime of the existing directory at the resolved in-root
    // `path`, unless this op already decided one for it.
    void keep_existing(const std::string& path);
    // Decides the mtime of `path` (a directory this op created or copied).
    void set(const std::string& path, const timespec& mtime);
    // Applies every decision to the directories that still exist.
    void apply() const;

private:
    snapshotter::RootFs& m_root;
    std::map<std::string, timespec> m_times;
};

// Creates `path` and its missing parents in `root` (mode, owner) like RootFs::mkdir_all,
// recording the existing directories it adds to (keep_existing) and the ones it
// creates (set to `created_mtime`, seconds since the epoch).
void mkdir_all_tracked(snapshotter::RootFs& root, const std::string& path, mode_t mode,
                       std::optional<snapshotter::Ownership> owner, int64_t created_mtime,
                       DirTimes& times);

} // namespace mab::engine::ops
