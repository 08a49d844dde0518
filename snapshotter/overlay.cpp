#include "snapshotter/overlay.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "base/error.hpp"
#include "base/user_namespace_probe.hpp"
#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/diff_writer.hpp"
#include "snapshotter/tree_diff.hpp"

namespace mab::snapshotter {

namespace {

namespace fs = std::filesystem;

void make_directory(const fs::path& p, mode_t mode) {
    if (::mkdir(p.c_str(), mode) != 0) throw_errno("mkdir", p.string());
}

// The value of an overlay xattr in either namespace (user.* with userxattr,
// trusted.* for real root), nullopt if absent.
std::optional<std::string> overlay_xattr(const fs::path& p, const std::string& suffix) {
    for (const char* ns : {"user.overlay.", "trusted.overlay."}) {
        const std::string name = ns + suffix;
        char value[16];
        ssize_t n = ::lgetxattr(p.c_str(), name.c_str(), value, sizeof value);
        if (n >= 0) return std::string(value, static_cast<size_t>(n));
        if (errno == ERANGE) return std::string();  // present, long value
        if (errno != ENODATA && errno != ENOTSUP && errno != EPERM && errno != EACCES) {
            throw_errno("getxattr " + name, p.string());
        }
    }
    return std::nullopt;
}

bool is_whiteout(const fs::path& p, const struct stat& st) {
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) return true;
    // Since Linux 6.7 a whiteout may also be a regular file with this xattr.
    return S_ISREG(st.st_mode) && overlay_xattr(p, "whiteout").has_value();
}

// Walks the upper directory and, where the parent's tree (`lower`) has the same entry,
// compares the two as the native differ does: an entry overlay copied up without a
// change (a file opened for writing, a directory a stub was created and removed in)
// is left out, and a directory goes into the layer only when it changed or something
// below it did. So both snapshotters write the same layer for the same step.
class UpperDiffer {
public:
    UpperDiffer(const fs::path& upper, const std::optional<fs::path>& lower, oci::ContentStore& store,
                const LayerOptions& options)
        : m_upper(upper), m_lower(lower), m_out(upper, store, options) {}

    // `rel` is a directory of the upper. `hides_lower`: the lower's entries there are
    // hidden (this directory or one above it is opaque), so each one the upper lacks is
    // written as a whiteout. `lower_is_dir`: the lower has `rel` as a directory reached
    // without following a symlink.
    void walk(const std::string& rel, bool hides_lower, bool lower_is_dir) {
        const std::vector<std::string> names = list_directory(m_upper / rel);
        const std::vector<std::string> hidden =
            hides_lower && lower_is_dir ? list_directory(*m_lower / rel) : std::vector<std::string>{};
        size_t i = 0;
        size_t j = 0;
        while (i < names.size() || j < hidden.size()) {
            const int cmp = i == names.size() ? 1 : j == hidden.size() ? -1 : names[i].compare(hidden[j]);
            if (cmp > 0) {
                m_out.add_whiteout(DiffWriter::join(rel, hidden[j++]));
                continue;
            }
            if (cmp == 0) ++j;
            add(DiffWriter::join(rel, names[i++]), hides_lower, lower_is_dir);
        }
    }

    std::optional<Layer> finish() { return m_out.finish(); }

private:
    void add(const std::string& rel, bool hides_lower, bool parent_in_lower) {
        const fs::path p = m_upper / rel;
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) throw_errno("lstat", p.string());
        if (is_whiteout(p, st)) {
            m_out.add_whiteout(rel);
            return;
        }
        struct stat lower_st {};
        const bool in_lower = m_lower && parent_in_lower && ::lstat((*m_lower / rel).c_str(), &lower_st) == 0;
        const bool unchanged = in_lower && same_entry(*m_lower / rel, lower_st, p, st);
        if (!S_ISDIR(st.st_mode)) {
            if (!unchanged) m_out.add(rel);
            return;
        }
        // An opaque directory hides the lower's entries below it: they become whiteouts,
        // as the native differ writes a replaced directory.
        const bool opaque = overlay_xattr(p, "opaque") == std::optional<std::string>("y");
        m_out.enter_dir(rel, !unchanged);
        walk(rel, hides_lower || opaque, in_lower && S_ISDIR(lower_st.st_mode));
        m_out.leave_dir();
    }

    fs::path m_upper;
    std::optional<fs::path> m_lower;
    DiffWriter m_out;
};

// overlay's option parser splits at ',' and lowerdir at ':'.
void check_mount_path(const std::string& p) {
    if (p.find_first_of(",:\\") != std::string::npos) {
        throw Error(ErrorKind::input, "overlay: path " + p +
                                          " contains ',', ':' or '\\', which overlay mount options cannot carry");
    }
}

// Mounts an overlay of `lowers` (topmost first) on `merged`: writable over `upper` and
// `work` when given, else read-only.
void mount_overlay(const std::vector<std::string>& lowers, const std::optional<std::string>& upper,
                   const std::optional<std::string>& work, const fs::path& merged) {
    std::string opts = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) {
        check_mount_path(lowers[i]);
        opts += (i == 0 ? "" : ":") + lowers[i];
    }
    if (upper && work) {
        check_mount_path(*upper);
        check_mount_path(*work);
        opts += ",upperdir=" + *upper + ",workdir=" + *work;
    }
    // A writable snapshot lives only as long as its build (a killed build's work dir is
    // swept, never mounted again), so overlay need not sync the upper filesystem:
    // `volatile` (Linux 5.10) skips the sync at unmount, which after a RUN that wrote
    // 1 GiB waited half a second for the disk, and makes a RUN's own fsync calls (dpkg
    // makes many) free. Kernels without it refuse the option; then it is left out.
    const bool try_volatile = upper && work;
    if (try_volatile) opts += ",volatile";
    if (!in_initial_user_namespace()) opts += ",userxattr";
    const long page = ::sysconf(_SC_PAGESIZE);
    if (static_cast<long>(opts.size()) >= page) {
        throw Error(ErrorKind::input, "overlay mount of " + merged.string() + ": " +
                                          std::to_string(lowers.size()) +
                                          " lower directories make the options longer than a page");
    }
    const unsigned long flags = upper ? 0 : MS_RDONLY;
    if (::mount("overlay", merged.c_str(), "overlay", flags, opts.c_str()) == 0) return;
    if (try_volatile && errno == EINVAL) {
        opts.erase(opts.rfind(",volatile"), std::string(",volatile").size());
        if (::mount("overlay", merged.c_str(), "overlay", flags, opts.c_str()) == 0) return;
    }
    throw_errno("mount overlay", merged.string());
}

// The solver runs steps in parallel, and a RUN's sandbox child starts as a clone() of
// mab with a copy of every descriptor its other threads hold (say, a directory of this
// snapshot that a COPY is writing). It drops them when it execs, a few milliseconds
// later; until then the mount is busy. So EBUSY is waited out, for at most ~5 s.
constexpr int k_busy_retries = 500;
constexpr std::chrono::milliseconds k_busy_pause{10};

void unmount_path(const fs::path& p) {
    for (int attempt = 0;; ++attempt) {
        if (::umount2(p.c_str(), UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT) return;
        if (errno != EBUSY || attempt == k_busy_retries) throw_errno("umount", p.string());
        std::this_thread::sleep_for(k_busy_pause);
    }
}

void remove_snapshot_dir(const fs::path& dir) {
    // overlay leaves work/work with mode 0: make it listable for an unprivileged owner.
    ::chmod((dir / "work" / "work").c_str(), 0700);
    fs::remove_all(dir);
}

} // namespace

OverlaySnapshotter::OverlaySnapshotter(fs::path dir) : m_dir(std::move(dir)) {
    fs::create_directories(m_dir);
    // Snapshots hold setuid files and image-owned data: keep other host users out.
    if (::chmod(m_dir.c_str(), 0700) != 0) throw_errno("chmod", m_dir.string());
    m_dir_fd.reset(::open(m_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!m_dir_fd) throw_errno("open", m_dir.string());
    // The bottom of every chain: overlay needs at least one lower directory.
    const fs::path empty = m_dir / "empty";
    if (::mkdir(empty.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir", empty.string());
}

OverlaySnapshotter::~OverlaySnapshotter() {
    std::lock_guard lock(m_mutex);
    for (auto& [key, snapshot] : m_snapshots) {
        try {
            unmount(snapshot);
        } catch (const std::exception&) {
            // Still mounted: the mount namespace goes away with the process anyway.
        }
    }
}

const OverlaySnapshotter::Snapshot& OverlaySnapshotter::find(const std::string& key) const {
    auto found = m_snapshots.find(key);
    if (found == m_snapshots.end()) throw Error(ErrorKind::internal, "overlay snapshot " + key + " does not exist");
    return found->second;
}

std::vector<std::string> OverlaySnapshotter::chain(const std::string& key) const {
    // Through the descriptor, the option string does not repeat the storage path
    // for every layer.
    const std::string prefix = "/proc/self/fd/" + std::to_string(m_dir_fd.get()) + "/";
    std::vector<std::string> lowers;
    for (std::optional<std::string> k = key; k; k = find(*k).parent) lowers.push_back(prefix + find(*k).dir + "/upper");
    lowers.push_back(prefix + "empty");
    return lowers;
}

fs::path OverlaySnapshotter::upper(const std::string& key) const {
    std::lock_guard lock(m_mutex);
    return m_dir / find(key).dir / "upper";
}

bool OverlaySnapshotter::exists(const std::string& key) const {
    std::lock_guard lock(m_mutex);
    auto found = m_snapshots.find(key);
    return found != m_snapshots.end() && found->second.committed;
}

fs::path OverlaySnapshotter::prepare(const std::string& key, const std::optional<std::string>& parent) {
    std::lock_guard lock(m_mutex);
    if (m_snapshots.count(key) != 0) throw Error(ErrorKind::input, "overlay snapshot " + key + " already exists");
    std::vector<std::string> lowers;
    if (parent) {
        auto found = m_snapshots.find(*parent);
        if (found == m_snapshots.end() || !found->second.committed) {
            throw Error(ErrorKind::input, "overlay snapshot " + key + ": parent " + *parent + " is not committed");
        }
        lowers = chain(*parent);
        if (lowers.size() > k_overlay_max_depth) {
            throw Error(ErrorKind::input, "overlay snapshotter: more than " + std::to_string(k_overlay_max_depth) +
                                              " layers to stack")
                .with_hint("use --snapshotter=native for images this deep");
        }
    } else {
        lowers = {"/proc/self/fd/" + std::to_string(m_dir_fd.get()) + "/empty"};
    }
    Snapshot snapshot{std::to_string(m_next++), parent, false, false};
    const fs::path base = m_dir / snapshot.dir;
    remove_snapshot_dir(base);  // a leftover of an earlier object in the same directory
    make_directory(base, 0700);
    make_directory(base / "upper", 0755);
    make_directory(base / "work", 0700);
    make_directory(base / "merged", 0755);
    const std::string rel = "/proc/self/fd/" + std::to_string(m_dir_fd.get()) + "/" + snapshot.dir;
    try {
        mount_overlay(lowers, rel + "/upper", rel + "/work", base / "merged");
    } catch (...) {
        remove_snapshot_dir(base);
        throw;
    }
    snapshot.mounted = true;
    m_snapshots.emplace(key, snapshot);
    return base / "merged";
}

std::optional<Layer> OverlaySnapshotter::diff(const std::string& key, oci::ContentStore& store,
                                              const LayerOptions& options) {
    fs::path upper_dir;
    std::optional<fs::path> lower_view;
    {
        std::lock_guard lock(m_mutex);
        const Snapshot& snapshot = find(key);
        upper_dir = m_dir / snapshot.dir / "upper";
        if (snapshot.parent) lower_view = m_dir / find(*snapshot.parent).dir / "merged";
    }
    return diff_overlay_upper(upper_dir, lower_view, store, options);
}

fs::path OverlaySnapshotter::commit(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto found = m_snapshots.find(key);
    if (found == m_snapshots.end() || found->second.committed) {
        throw Error(ErrorKind::internal, "commit overlay snapshot " + key + ": not prepared");
    }
    Snapshot& snapshot = found->second;
    const fs::path merged = m_dir / snapshot.dir / "merged";
    // The writable mount goes; a read-only one over the same layers plus this one's
    // upper takes its place, so the upper can serve as a lower from now on.
    unmount(snapshot);
    mount_overlay(chain(key), std::nullopt, std::nullopt, merged);
    snapshot.mounted = true;
    snapshot.committed = true;
    return merged;
}

void OverlaySnapshotter::unmount(Snapshot& snapshot) {
    if (!snapshot.mounted) return;
    unmount_path(m_dir / snapshot.dir / "merged");
    snapshot.mounted = false;
}

void OverlaySnapshotter::remove(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto found = m_snapshots.find(key);
    if (found == m_snapshots.end()) return;
    unmount(found->second);
    remove_snapshot_dir(m_dir / found->second.dir);
    m_snapshots.erase(found);
}

void OverlaySnapshotter::remove_all() {
    std::lock_guard lock(m_mutex);
    // Every view first: a read-only view names other snapshots' upper dirs as lowers.
    for (auto& [key, snapshot] : m_snapshots) unmount(snapshot);
    for (auto& [key, snapshot] : m_snapshots) remove_snapshot_dir(m_dir / snapshot.dir);
    m_snapshots.clear();
}

std::optional<Layer> diff_overlay_upper(const fs::path& upper, const std::optional<fs::path>& lower,
                                        oci::ContentStore& store, const LayerOptions& options) {
    UpperDiffer differ(upper, lower, store, options);
    differ.walk("", false, lower.has_value());
    return differ.finish();
}

std::string overlay_unsupported_reason(const fs::path& dir) {
    try {
        TempDir probe(dir, ".overlay-probe-");
        const fs::path& p = probe.path();
        for (const char* d : {"lower", "upper", "work", "merged"}) make_directory(p / d, 0755);
        UniqueFd f(::open((p / "lower" / "probe").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        if (!f) throw_errno("create", (p / "lower" / "probe").string());
        mount_overlay({(p / "lower").string()}, (p / "upper").string(), (p / "work").string(), p / "merged");
        struct stat st {};
        const bool ok = ::lstat((p / "merged" / "probe").c_str(), &st) == 0;
        ::umount2((p / "merged").c_str(), UMOUNT_NOFOLLOW);
        ::chmod((p / "work" / "work").c_str(), 0700);
        return ok ? "" : "a file of the lower directory is not visible through the overlay";
    } catch (const SystemError& e) {
        return std::string("the kernel refuses overlay mounts on this filesystem: ") + std::strerror(e.code());
    } catch (const std::exception& e) {
        return e.what();
    }
}

} // namespace mab::snapshotter
