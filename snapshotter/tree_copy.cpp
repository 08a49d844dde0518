// copy_tree: a full, independent copy of a snapshot (declared in native_snapshotter.hpp).
// Everything below the two roots goes through directory fds and O_NOFOLLOW, so a
// symlink in the source is copied as a symlink and never followed.
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <vector>

#include "base/error.hpp"
#include "snapshotter/dir_entries.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/file_meta.hpp"
#include "snapshotter/native_snapshotter.hpp"

namespace mab::snapshotter {

namespace {

constexpr size_t k_chunk = 64 * 1024;

struct CopyState {
    std::map<std::pair<dev_t, ino_t>, std::string> copies;  // source inode -> first copy
    const CopiedBytes* copied = nullptr;
    bool try_reflink = true;     // until the filesystem says it cannot
    bool try_copy_range = true;
};


bool unsupported(int err) {
    return err == EOPNOTSUPP || err == ENOTTY || err == EXDEV || err == ENOSYS || err == EINVAL;
}

void copy_by_read_write(int in, int out, const std::string& from, const std::string& to) {
    std::vector<char> buf(k_chunk);
    for (;;) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read", from);
        if (n == 0) return;
        const char* p = buf.data();
        while (n > 0) {
            ssize_t w = ::write(out, p, static_cast<size_t>(n));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) throw_errno("write", to);
            p += w;
            n -= w;
        }
    }
}

// Reflink when the filesystem can (instant, copy-on-write), else copy_file_range
// (in-kernel), else read/write.
void copy_data(int in, int out, CopyState& state, const std::string& from, const std::string& to) {
    if (state.try_reflink) {
        if (::ioctl(out, FICLONE, in) == 0) return;
        if (unsupported(errno)) state.try_reflink = false;
    }
    if (state.try_copy_range) {
        bool copied_any = false;
        for (;;) {
            ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
            if (n > 0) {
                copied_any = true;
                continue;
            }
            if (n == 0) return;
            if (errno == EINTR) continue;
            if (!copied_any && unsupported(errno)) {
                state.try_copy_range = false;
                break;
            }
            throw_errno("copy_file_range", to);
        }
    }
    copy_by_read_write(in, out, from, to);
}

// Owner first (chown clears setuid bits and security.capability), then xattrs
// (unprivileged, user.* needs write permission the final mode may not give), then
// the mode, times last.
void apply_metadata_fd(int fd, const struct stat& st, const std::string& from,
                       const std::string& to) {
    change_owner_fd(fd, Ownership{st.st_uid, st.st_gid}, to);
    write_xattrs_fd(fd, read_xattrs(from), to);
    if (::fchmod(fd, st.st_mode & 07777) != 0) throw_errno("chmod", to);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(fd, times) != 0) throw_errno("utimensat", to);
}

void apply_metadata_at(int dirfd, const std::string& name, const struct stat& st,
                       const std::string& from, const std::string& to) {
    change_owner_at(dirfd, name, Ownership{st.st_uid, st.st_gid}, to);
    write_xattrs_path(to, read_xattrs(from));
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dirfd, name.c_str(), st.st_mode & 07777, 0) != 0) {
        throw_errno("chmod", to);
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("utimensat", to);
    }
}

void copy_dir(int src, int dst, const std::string& from, const std::string& to, CopyState& state);

void copy_entry(int src, int dst, const std::string& name, const std::string& from_dir,
                const std::string& to_dir, CopyState& state) {
    const std::string from = from_dir + "/" + name;
    const std::string to = to_dir + "/" + name;
    struct stat st {};
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat", from);

    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        auto [it, inserted] = state.copies.emplace(std::make_pair(st.st_dev, st.st_ino), to);
        if (!inserted) {
            if (::linkat(AT_FDCWD, it->second.c_str(), dst, name.c_str(), 0) != 0) {
                throw_errno("link", to);
            }
            return;
        }
    }

    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst, name.c_str(), 0700) != 0) throw_errno("mkdir", to);
        UniqueFd in(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!in) throw_errno("open", from);
        UniqueFd out(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!out) throw_errno("open", to);
        copy_dir(in.get(), out.get(), from, to, state);
        // After the contents: adding them changed the directory's mtime.
        apply_metadata_fd(out.get(), st, from, to);
    } else if (S_ISREG(st.st_mode)) {
        UniqueFd in(::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!in) throw_errno("open", from);
        UniqueFd out(::openat(dst, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              0600));
        if (!out) throw_errno("create", to);
        copy_data(in.get(), out.get(), state, from, to);
        apply_metadata_fd(out.get(), st, from, to);
        if (*state.copied) (*state.copied)(static_cast<uint64_t>(st.st_size));
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src, name.c_str(), target.data(), target.size());
        if (n < 0) throw_errno("readlink", from);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst, name.c_str()) != 0) throw_errno("symlink", to);
        apply_metadata_at(dst, name, st, from, to);
    } else {
        if (::mknodat(dst, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0) {
            if (errno == EPERM) {
                throw Error(ErrorKind::input, "copy " + from + ": creating device node not permitted")
                    .with_hint("device nodes need root or a user namespace that allows mknod");
            }
            throw_errno("mknod", to);
        }
        apply_metadata_at(dst, name, st, from, to);
    }
}

void copy_dir(int src, int dst, const std::string& from, const std::string& to, CopyState& state) {
    for (const std::string& name : list_directory(src, from)) copy_entry(src, dst, name, from, to, state);
}

// tree_file_bytes below `dir`; `seen` holds the inodes with several links counted so far.
uint64_t file_bytes_in(int dir, const std::string& display, std::set<std::pair<dev_t, ino_t>>& seen) {
    uint64_t bytes = 0;
    for (const std::string& name : list_directory(dir, display)) {
        const std::string path = display + "/" + name;
        struct stat st {};
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat", path);
        if (S_ISDIR(st.st_mode)) {
            UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) throw_errno("open", path);
            bytes += file_bytes_in(sub.get(), path, seen);
        } else if (S_ISREG(st.st_mode) && (st.st_nlink == 1 || seen.emplace(st.st_dev, st.st_ino).second)) {
            bytes += static_cast<uint64_t>(st.st_size);
        }
    }
    return bytes;
}

} // namespace

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, const CopiedBytes& copied) {
    UniqueFd src(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) throw_errno("open", from.string());
    struct stat st {};
    if (::fstat(src.get(), &st) != 0) throw_errno("stat", from.string());
    if (::mkdir(to.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir", to.string());
    UniqueFd dst(::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dst) throw_errno("open", to.string());
    CopyState state;
    state.copied = &copied;
    copy_dir(src.get(), dst.get(), from.string(), to.string(), state);
    apply_metadata_fd(dst.get(), st, from.string(), to.string());
}

uint64_t tree_file_bytes(const std::filesystem::path& from) {
    UniqueFd dir(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open", from.string());
    std::set<std::pair<dev_t, ino_t>> seen;
    return file_bytes_in(dir.get(), from.string(), seen);
}

} // namespace mab::snapshotter
