#include "engine/ops/entry_copier.hpp"

#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/file_meta.hpp"
#include "engine/ops/root_paths.hpp"

namespace mab::engine::ops {

namespace {

// Host labels say nothing about the image and must not end up in layers.
constexpr std::string_view k_skipped_xattr = "security.selinux";

void copy_data_by_read(int in, int out, const std::string& path) {
    std::vector<char> buf(1 << 16);
    for (;;) {
        const ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read", path);
        }
        if (n == 0) return;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                throw_errno("write", path);
            }
            done += w;
        }
    }
}

// Copies file data; copy_file_range lets the kernel (or the filesystem) do the work.
void copy_data(int in, int out, const std::string& path) {
    bool copied_any = false;
    for (;;) {
        const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, size_t{1} << 30, 0);
        if (n > 0) {
            copied_any = true;
            continue;
        }
        if (n == 0) return;
        if (errno == EINTR) continue;
        if (!copied_any && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                            errno == EOPNOTSUPP || errno == EPERM)) {
            copy_data_by_read(in, out, path);
            return;
        }
        throw_errno("copy_file_range", path);
    }
}

// Copies extended attributes between two open files; attributes the destination
// filesystem cannot hold (or we may not set) are left out.
void copy_xattrs(int from, int to, const std::string& path) {
    ssize_t size = ::flistxattr(from, nullptr, 0);
    if (size < 0) {
        if (errno == ENOTSUP || errno == EOPNOTSUPP) return;
        throw_errno("listxattr", path);
    }
    if (size == 0) return;
    std::vector<char> names(static_cast<size_t>(size));
    size = ::flistxattr(from, names.data(), names.size());
    if (size < 0) throw_errno("listxattr", path);
    for (size_t pos = 0; pos < static_cast<size_t>(size);) {
        const std::string name(names.data() + pos);
        pos += name.size() + 1;
        if (name == k_skipped_xattr) continue;
        ssize_t len = ::fgetxattr(from, name.c_str(), nullptr, 0);
        if (len < 0) throw_errno("getxattr " + name, path);
        std::vector<char> value(static_cast<size_t>(len));
        len = ::fgetxattr(from, name.c_str(), value.data(), value.size());
        if (len < 0) throw_errno("getxattr " + name, path);
        if (::fsetxattr(to, name.c_str(), value.data(), static_cast<size_t>(len), 0) != 0 &&
            errno != ENOTSUP && errno != EOPNOTSUPP && errno != EPERM) {
            throw_errno("setxattr " + name, path);
        }
    }
}

// Owner first: chown clears set-id bits, so the mode comes after it.
void set_fd_metadata(int fd, snapshotter::Ownership owner, mode_t mode, const timespec& mtime,
                     const std::string& path) {
    snapshotter::change_owner_fd(fd, owner, path);
    if (::fchmod(fd, mode) != 0) throw_errno("chmod", path);
    const timespec times[2] = {mtime, mtime};
    if (::futimens(fd, times) != 0) throw_errno("utimensat", path);
}

} // namespace

EntryCopier::EntryCopier(snapshotter::RootFs& dest, CopyMetadata metadata, DirTimes& times,
                         const ContextFilter* source_filter)
    : m_dest(dest), m_metadata(std::move(metadata)), m_times(times), m_filter(source_filter) {}

snapshotter::Ownership copied_owner(const CopyMetadata& metadata, const struct stat& st) {
    if (metadata.chown) return *metadata.chown;
    if (metadata.preserve_owner) return {st.st_uid, st.st_gid};
    return {0, 0};
}

mode_t copied_mode(const CopyMetadata& metadata, const struct stat& st) {
    if (metadata.chmod) return static_cast<mode_t>(*metadata.chmod & 07777);
    return st.st_mode & 07777;
}

snapshotter::Ownership EntryCopier::owner_for(const struct stat& st) const { return copied_owner(m_metadata, st); }

mode_t EntryCopier::mode_for(const struct stat& st) const { return copied_mode(m_metadata, st); }

void EntryCopier::copy_entry(const SourceEntry& src, const DestSlot& dest, const ContextFilter::Dir* filtered) {
    const std::string dest_path = join_path(dest.dir_path, dest.name);
    struct stat existing {};
    bool exists = true;
    if (::fstatat(dest.dir, dest.name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) throw_errno("lstat", dest_path);
        exists = false;
    }
    if (S_ISDIR(src.st.st_mode)) {
        if (exists && !S_ISDIR(existing.st_mode)) {
            throw Error(ErrorKind::input, fmt::format("cannot copy to non-directory: {}", dest_path));
        }
        copy_directory(src, dest, exists, filtered);
        return;
    }
    if (S_ISSOCK(src.st.st_mode)) return;
    if (exists) {
        if (S_ISDIR(existing.st_mode)) {
            throw Error(ErrorKind::input,
                        fmt::format("cannot overwrite directory {} with non-directory {}", dest_path,
                                    src.path));
        }
        if (::unlinkat(dest.dir, dest.name.c_str(), 0) != 0) throw_errno("unlink", dest_path);
    }
    if (S_ISREG(src.st.st_mode)) {
        copy_regular(src, dest);
    } else if (S_ISLNK(src.st.st_mode)) {
        copy_symlink(src, dest);
    } else {
        copy_special(src, dest);
    }
}

void EntryCopier::copy_contents(int src_dir, const std::string& src_path, int dest_dir,
                                const std::string& dest_dir_path, const ContextFilter::Dir* filtered) {
    if (m_filter != nullptr && filtered == nullptr)
        throw Error(ErrorKind::internal, fmt::format("copying {} from a filtered source without its walk state", src_path));
    for (const std::string& name : snapshotter::list_directory(src_dir, src_path)) {
        SourceEntry child{src_dir, name, join_path(src_path, name), {}};
        if (::fstatat(src_dir, name.c_str(), &child.st, AT_SYMLINK_NOFOLLOW) != 0) {
            throw_errno("lstat", child.path);
        }
        std::optional<ContextFilter::Dir> child_filtered;
        if (m_filter != nullptr && filtered != nullptr) {
            child_filtered = m_filter->enter(*filtered, src_dir, name, child.st);
            if (!child_filtered) continue;  // excluded by the source's patterns
        }
        copy_entry(child, DestSlot{dest_dir, dest_dir_path, name}, child_filtered ? &*child_filtered : nullptr);
    }
}

void EntryCopier::copy_directory(const SourceEntry& src, const DestSlot& dest, bool exists,
                                 const ContextFilter::Dir* filtered) {
    const std::string dest_path = join_path(dest.dir_path, dest.name);
    // Created private; the final mode is set once the contents are in.
    if (!exists && ::mkdirat(dest.dir, dest.name.c_str(), 0700) != 0) throw_errno("mkdir", dest_path);
    UniqueFd out(::openat(dest.dir, dest.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!out) throw_errno("open", dest_path);
    UniqueFd in(::openat(src.dir, src.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw_errno("open", src.path);

    copy_contents(in.get(), src.path, out.get(), dest_path, filtered);

    copy_xattrs(in.get(), out.get(), dest_path);
    set_fd_metadata(out.get(), owner_for(src.st), mode_for(src.st), src.st.st_mtim, dest_path);
    // Later actions may add entries here; the op restores this mtime at its end.
    m_times.set(dest_path, src.st.st_mtim);
}

void EntryCopier::copy_regular(const SourceEntry& src, const DestSlot& dest) {
    const std::string dest_path = join_path(dest.dir_path, dest.name);
    const std::pair<dev_t, ino_t> inode{src.st.st_dev, src.st.st_ino};
    if (src.st.st_nlink > 1) {
        auto first = m_links.find(inode);
        if (first != m_links.end()) {
            auto [first_dir, first_name] = m_dest.open_parent(first->second);
            if (::linkat(first_dir.get(), first_name.c_str(), dest.dir, dest.name.c_str(), 0) != 0) {
                throw_errno("link", dest_path);
            }
            return;
        }
    }
    UniqueFd in = open_regular(src.dir, src.name, src.path);
    UniqueFd out(::openat(dest.dir, dest.name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw_errno("create", dest_path);
    copy_data(in.get(), out.get(), dest_path);
    copy_xattrs(in.get(), out.get(), dest_path);
    set_fd_metadata(out.get(), owner_for(src.st), mode_for(src.st), src.st.st_mtim, dest_path);
    if (src.st.st_nlink > 1) m_links.emplace(inode, dest_path);
}

void EntryCopier::copy_symlink(const SourceEntry& src, const DestSlot& dest) {
    const std::string dest_path = join_path(dest.dir_path, dest.name);
    const std::string target = read_link_at(src.dir, src.name, src.path);
    if (::symlinkat(target.c_str(), dest.dir, dest.name.c_str()) != 0) throw_errno("symlink", dest_path);
    const snapshotter::Ownership owner = owner_for(src.st);
    snapshotter::change_owner_at(dest.dir, dest.name, owner, dest_path);
    const timespec times[2] = {src.st.st_mtim, src.st.st_mtim};
    if (::utimensat(dest.dir, dest.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("utimensat", dest_path);
    }
}

void EntryCopier::copy_special(const SourceEntry& src, const DestSlot& dest) {
    const std::string dest_path = join_path(dest.dir_path, dest.name);
    const mode_t type = src.st.st_mode & S_IFMT;
    if (::mknodat(dest.dir, dest.name.c_str(), type | 0600, type == S_IFIFO ? 0 : src.st.st_rdev) != 0) {
        throw_errno("mknod", dest_path);
    }
    const snapshotter::Ownership owner = owner_for(src.st);
    snapshotter::change_owner_at(dest.dir, dest.name, owner, dest_path);
    if (::fchmodat(dest.dir, dest.name.c_str(), mode_for(src.st), AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("chmod", dest_path);
    }
    const timespec times[2] = {src.st.st_mtim, src.st.st_mtim};
    if (::utimensat(dest.dir, dest.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        throw_errno("utimensat", dest_path);
    }
}

} // namespace mab::engine::ops
