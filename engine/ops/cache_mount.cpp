#include "engine/ops/cache_mount.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/temp_dir.hpp"
#include "oci/digest.hpp"

namespace mab::engine::ops {

namespace {

// A new directory next to `dir` with the spec's mode and owner, renamed into place (so
// a concurrent user sees either nothing or the finished directory). The owner is set
// in mab's user namespace: an id it does not map is refused.
void create_cache_dir(const std::filesystem::path& dir, const CacheMountSpec& spec,
                      const std::function<void(const std::filesystem::path&)>& seed) {
    TempDir fresh(dir.parent_path(), "new-");
    if (seed) seed(fresh.path());
    if (::chown(fresh.path().c_str(), spec.uid, spec.gid) != 0)
        throw_errno(fmt::format("chown {}:{} (is it mapped in mab's user namespace?)", spec.uid, spec.gid),
                    fresh.path().string());
    if (::chmod(fresh.path().c_str(), spec.mode) != 0) throw_errno("chmod", fresh.path().string());
    if (::rename(fresh.path().c_str(), dir.c_str()) == 0) {
        fresh.release();
        return;
    }
    if (errno != EEXIST && errno != ENOTEMPTY) throw_errno("rename", dir.string());
    // Another user made it first: use theirs (ours goes with `fresh`).
}

// flock(fd, op) retried until it is granted or `cancelled` says stop.
void wait_for_lock(int fd, int op, const std::filesystem::path& path, const std::function<bool()>& cancelled) {
    while (::flock(fd, op | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) throw_errno("flock", path.string());
        if (cancelled && cancelled()) throw Error(ErrorKind::cancelled, "build cancelled");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace

std::filesystem::path cache_mount_dir(const std::filesystem::path& cache_root, const CacheMountSpec& spec) {
    oci::Sha256 hash;
    hash.update(spec.id);
    if (!spec.seed_key.empty()) {
        hash.update("\nfrom ");
        hash.update(spec.seed_key);
    }
    return cache_root / std::string(hash.finish().hex());
}

CacheLease::CacheLease(const std::filesystem::path& cache_root, const CacheMountSpec& spec,
                       const std::function<void(const std::filesystem::path&)>& seed,
                       const std::function<bool()>& cancelled) {
    const std::filesystem::path dir = cache_mount_dir(cache_root, spec);
    // First, before anything inside is touched: no removal while we hold it.
    m_in_use = hold_cache_mount_dir(dir, cancelled);
    m_dir = dir;
    m_meta = CacheMountMeta{spec.id, spec.description, static_cast<int64_t>(std::time(nullptr))};
    mark_cache_mount_used(dir, m_meta);
    const std::filesystem::path lock_path = dir / "lock";
    m_lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!m_lock) throw_errno("open", lock_path.string());

    m_path = dir / "data";
    switch (spec.sharing) {
    case graph::CacheSharing::shared:
        wait_for_lock(m_lock.get(), LOCK_SH, lock_path, cancelled);
        break;
    case graph::CacheSharing::locked:
        wait_for_lock(m_lock.get(), LOCK_EX, lock_path, cancelled);
        break;
    case graph::CacheSharing::private_:
        if (::flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) throw_errno("flock", lock_path.string());
            // In use: a fresh directory of this RUN's own, as BuildKit gives a second writer.
            TempDir fresh(dir, "private-");
            m_path = fresh.release();
            m_private_copy = true;
            if (seed) seed(m_path);
            if (::chown(m_path.c_str(), spec.uid, spec.gid) != 0 || ::chmod(m_path.c_str(), spec.mode) != 0) {
                remove_tree_forcefully(m_path);
                throw_errno("set the owner and mode of", m_path.string());
            }
            return;
        }
        break;
    }
    struct stat st {};
    if (::lstat(m_path.c_str(), &st) != 0) {
        if (errno != ENOENT) throw_errno("stat", m_path.string());
        create_cache_dir(m_path, spec, seed);
    } else if (!S_ISDIR(st.st_mode)) {
        throw Error(ErrorKind::io, fmt::format("cache mount directory {} is not a directory", m_path));
    }
}

CacheLease::~CacheLease() {
    if (m_private_copy) remove_tree_forcefully(m_path);
    mark_cache_mount_used(m_dir, m_meta);
    // The locks go with m_lock and m_in_use (declared first, released last).
}

} // namespace mab::engine::ops
