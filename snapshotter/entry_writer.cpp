#include "snapshotter/entry_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/error.hpp"
#include "snapshotter/file_meta.hpp"

namespace mab::snapshotter {

std::string archive_error(struct archive* a) {
    const char* msg = archive_error_string(a);
    return msg != nullptr ? msg : "unknown error";
}

const char* entry_pathname(struct archive_entry* entry) {
    const char* mbs = archive_entry_pathname(entry);
    return mbs != nullptr ? mbs : archive_entry_pathname_utf8(entry);
}

const char* entry_hardlink(struct archive_entry* entry) {
    const char* mbs = archive_entry_hardlink(entry);
    return mbs != nullptr ? mbs : archive_entry_hardlink_utf8(entry);
}

namespace {

const char* entry_symlink(struct archive_entry* entry) {
    const char* mbs = archive_entry_symlink(entry);
    return mbs != nullptr ? mbs : archive_entry_symlink_utf8(entry);
}

Xattrs xattrs_of(struct archive_entry* entry) {
    Xattrs out;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    archive_entry_xattr_reset(entry);
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        out.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
    return out;
}

} // namespace

EntryWriter::EntryWriter(RootFs& root, std::string dest, EntryWriterOptions options,
                         std::string display)
    : m_root(root), m_dest(clean_path(dest)), m_options(std::move(options)),
      m_display(std::move(display)) {}

void EntryWriter::fail(const std::string& entry, const std::string& why) const {
    throw Error(ErrorKind::input, m_display + ": " + entry + ": " + why);
}

std::string EntryWriter::target_of(const std::string& name) const {
    std::string rel = clean_path(name);
    if (rel == "/") return m_dest;
    return m_dest == "/" ? rel : m_dest + rel;
}

Ownership EntryWriter::owner_of(struct archive_entry* entry) const {
    if (m_options.chown) return *m_options.chown;
    if (!m_options.preserve_owners) return Ownership{};
    return Ownership{static_cast<uint32_t>(archive_entry_uid(entry)),
                     static_cast<uint32_t>(archive_entry_gid(entry))};
}

struct timespec EntryWriter::mtime_of(struct archive_entry* entry) const {
    struct timespec ts {0, 0};
    if (archive_entry_mtime_is_set(entry)) {
        ts.tv_sec = archive_entry_mtime(entry);
        ts.tv_nsec = archive_entry_mtime_nsec(entry);
    }
    if (m_options.clamp_mtime && ts.tv_sec >= *m_options.clamp_mtime) {
        ts = {*m_options.clamp_mtime, 0};
    }
    return ts;
}

void EntryWriter::check_size(struct archive* a) const {
    if (!m_options.max_bytes) return;
    const la_int64_t n = archive_filter_bytes(a, 0);
    if (n > 0 && static_cast<uint64_t>(n) > *m_options.max_bytes) {
        throw Error(ErrorKind::input, m_display + ": uncompressed size exceeds the limit of " +
                                          std::to_string(*m_options.max_bytes) + " bytes");
    }
}

std::string EntryWriter::write(struct archive* a, struct archive_entry* entry) {
    const char* raw = entry_pathname(entry);
    if (raw == nullptr) fail("(unnamed entry)", "entry without a name");
    const std::string name = raw;
    const std::string path = target_of(name);
    const mode_t type = archive_entry_filetype(entry);
    const char* hardlink = entry_hardlink(entry);

    if (path == m_dest) {
        // An entry for the destination itself ("./", "..", "/"): never let it replace
        // the destination (umoci CVE-2021-29136); a directory entry carries nothing we
        // need, so it is skipped as moby does.
        if (type == AE_IFDIR && hardlink == nullptr) return "";
        fail(name, "entry would replace the destination directory");
    }
    if (type == AE_IFSOCK && hardlink == nullptr) return "";  // Docker skips sockets as well

    forget_parent_below(path);
    const std::string base = path.substr(path.rfind('/') + 1);
    const UniqueFd& dirfd = parent_dir(path);

    if (hardlink != nullptr) {
        make_hardlink(dirfd.get(), base, name, hardlink);
        return path;
    }
    clear_existing(dirfd.get(), base, path, type == AE_IFDIR);
    const Ownership owner = owner_of(entry);
    const mode_t perm = archive_entry_perm(entry) & 07777;
    const struct timespec mtime = mtime_of(entry);
    switch (type) {
    case AE_IFREG:
        write_file(a, entry, dirfd.get(), base, path, owner, perm, mtime);
        break;
    case AE_IFDIR:
        make_directory(entry, dirfd.get(), base, path, owner, perm, mtime);
        break;
    case AE_IFLNK: {
        const char* target = entry_symlink(entry);
        // The target is data: kept as written, resolved later only inside a root.
        if (::symlinkat(target != nullptr ? target : "", dirfd.get(), base.c_str()) != 0) {
            throw_errno("symlink", path);
        }
        finish_node(dirfd.get(), base, path, owner, std::nullopt, mtime);
        break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        if (::mknodat(dirfd.get(), base.c_str(), type | 0600, archive_entry_rdev(entry)) != 0) {
            if (errno == EPERM) fail(name, "creating device node not permitted");
            throw_errno("mknod", path);
        }
        finish_node(dirfd.get(), base, path, owner, perm, mtime);
        break;
    default:
        fail(name, "unsupported entry type");
    }
    return path;
}

// Consecutive entries mostly share a parent, so the last one is kept open.
const UniqueFd& EntryWriter::parent_dir(const std::string& path) {
    std::string parent = path.substr(0, path.rfind('/'));
    if (parent.empty()) parent = "/";
    if (m_parent_fd && parent == m_parent_path) return m_parent_fd;
    m_root.mkdir_all(parent, 0755, m_options.chown);
    auto [fd, base] = m_root.open_parent(path);
    m_parent_fd = std::move(fd);
    m_parent_path = parent;
    return m_parent_fd;
}

void EntryWriter::forget_parent_below(const std::string& path) {
    if (m_parent_fd && (m_parent_path == path || m_parent_path.rfind(path + "/", 0) == 0)) {
        m_parent_fd.reset();
    }
}

// An existing directory stays when a directory entry comes (their contents merge);
// anything else at that name is removed first, as Docker does.
void EntryWriter::clear_existing(int dirfd, const std::string& base, const std::string& path,
                                 bool is_dir) {
    struct stat st {};
    if (::fstatat(dirfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return;
        throw_errno("stat", path);
    }
    if (is_dir && S_ISDIR(st.st_mode)) return;
    remove_at(dirfd, base, path);
}

// Hardlink targets are archive names too: confined to the destination and resolved in
// the root; a missing one is an error naming the entry.
void EntryWriter::make_hardlink(int dirfd, const std::string& base, const std::string& name,
                                const std::string& link) {
    const std::string target = target_of(link);
    if (target == m_dest) fail(name, "hardlink to the destination directory");
    std::pair<UniqueFd, std::string> from = [&] {
        try {
            return m_root.open_parent(target);
        } catch (const SystemError&) {
            fail(name, "hardlink target " + link + " does not exist");
        }
    }();
    struct stat st {};
    if (::fstatat(from.first.get(), from.second.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(name, "hardlink target " + link + " does not exist");
    }
    if (S_ISDIR(st.st_mode)) fail(name, "hardlink to directory " + link);
    const std::string path = target_of(name);
    struct stat existing {};
    if (::fstatat(dirfd, base.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
        existing.st_dev == st.st_dev && existing.st_ino == st.st_ino) {
        return;  // already that file
    }
    clear_existing(dirfd, base, path, false);
    // flags 0: a symlink target is linked as the symlink itself, never followed.
    if (::linkat(from.first.get(), from.second.c_str(), dirfd, base.c_str(), 0) != 0) {
        throw_errno("link", path);
    }
}

void EntryWriter::write_file(struct archive* a, struct archive_entry* entry, int dirfd,
                             const std::string& base, const std::string& path, Ownership owner,
                             mode_t perm, struct timespec mtime) {
    UniqueFd fd(::openat(dirfd, base.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC,
                         0600));
    if (!fd) throw_errno("create", path);
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    la_int64_t end = 0;
    int r = 0;
    // Blocks come with offsets: holes of sparse entries are simply skipped.
    while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        check_size(a);
        const char* p = static_cast<const char*>(buf);
        while (size > 0) {
            ssize_t n = ::pwrite(fd.get(), p, size, offset);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw_errno("write", path);
            p += n;
            size -= static_cast<size_t>(n);
            offset += n;
        }
        end = std::max(end, offset);
    }
    if (r != ARCHIVE_EOF) fail(path, archive_error(a));
    // A sparse file may end in a hole.
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > end &&
        ::ftruncate(fd.get(), archive_entry_size(entry)) != 0) {
        throw_errno("truncate", path);
    }
    // Owner first (chown clears setuid bits and security.capability), xattrs while the
    // file is still writable for us, then the mode; times last.
    change_owner_fd(fd.get(), owner, path);
    write_xattrs_fd(fd.get(), xattrs_of(entry), path);
    if (::fchmod(fd.get(), perm) != 0) throw_errno("chmod", path);
    struct timespec times[2] = {mtime, mtime};
    if (::futimens(fd.get(), times) != 0) throw_errno("utimensat", path);
}

void EntryWriter::make_directory(struct archive_entry* entry, int dirfd, const std::string& base,
                                 const std::string& path, Ownership owner, mode_t perm,
                                 struct timespec mtime) {
    if (::mkdirat(dirfd, base.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir", path);
    UniqueFd fd(::openat(dirfd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open", path);
    change_owner_fd(fd.get(), owner, path);
    write_xattrs_fd(fd.get(), xattrs_of(entry), path);
    if (::fchmod(fd.get(), perm) != 0) throw_errno("chmod", path);
    // Entries that follow will change its mtime: set it once all are in.
    m_dir_times.push_back({path, mtime});
}

// Symlinks and device nodes: metadata by name relative to the parent's fd.
void EntryWriter::finish_node(int dirfd, const std::string& base, const std::string& path,
                              Ownership owner, std::optional<mode_t> perm, struct timespec mtime) {
    change_owner_at(dirfd, base, owner, path);
    if (perm && ::fchmodat(dirfd, base.c_str(), *perm, 0) != 0) throw_errno("chmod", path);
    struct timespec times[2] = {mtime, mtime};
    if (::utimensat(dirfd, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("utimensat", path);
    }
}

void EntryWriter::finish() {
    m_parent_fd.reset();
    for (auto it = m_dir_times.rbegin(); it != m_dir_times.rend(); ++it) {
        std::optional<UniqueFd> fd = m_root.open_path_nofollow(it->path);
        if (!fd) continue;  // replaced or removed by a later entry
        struct stat st {};
        if (::fstat(fd->get(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        struct timespec times[2] = {it->mtime, it->mtime};
        if (::utimensat(fd->get(), "", times, AT_EMPTY_PATH) != 0) {
            // Older kernels lack AT_EMPTY_PATH here: go through the parent.
            auto [dirfd, base] = m_root.open_parent(it->path);
            if (::utimensat(dirfd.get(), base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
                throw_errno("utimensat", it->path);
            }
        }
    }
}

} // namespace mab::snapshotter
