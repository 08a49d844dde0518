// The storage root's layout: content/ (blobs by digest), cache/ (records and stat
// caches), cache-mounts/ (RUN cache mounts), tmp/ (per-build work dirs).
// Opening it creates what is missing (0700: snapshots may hold setuid files and must
// not be reachable by other users) and removes work dirs of builds that died.
#pragma once

#include <filesystem>

#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"

namespace mab::cli {

// One build's work dir under ROOT/tmp, removed when the build ends. While the build
// runs it holds an exclusive flock on `<dir>/.lock`: a dir whose lock can be taken
// belongs to a build that is gone (killed, even with SIGKILL), whatever became of its
// pid (reused, or a zombie nobody reaps).
struct BuildDir {
    TempDir dir;
    UniqueFd lock;
    const std::filesystem::path& path() const { return dir.path(); }
};

class StorageRoot {
public:
    explicit StorageRoot(std::filesystem::path root);

    std::filesystem::path content_dir() const { return m_root / "content"; }
    // The persistent cache: records/ (one file per cache key) and stat/ (file digests
    // of local sources by inode and times).
    std::filesystem::path cache_dir() const { return m_root / "cache"; }
    // RUN --mount=type=cache directories, kept across builds (engine/ops/cache_mount.hpp).
    std::filesystem::path cache_mounts_dir() const { return m_root / "cache-mounts"; }
    // A work dir for one build, locked, removed when the BuildDir goes away.
    BuildDir make_build_dir() const;

private:
    void remove_dead_build_dirs() const;
    std::filesystem::path m_root;
};

} // namespace mab::cli
