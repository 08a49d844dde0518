#include "snapshotter/file_meta.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace mab::snapshotter {

namespace {

[[noreturn]] void throw_owner_error(int err, Ownership owner, const std::string& display) {
    std::string message = "chown " + display + " to " + std::to_string(owner.uid) + ":" +
                          std::to_string(owner.gid) + ": " + std::strerror(err);
    // EINVAL: the id is not mapped in our user namespace (a non-root user's namespace maps
    // only the user's own id, as root).
    if (err == EINVAL) message += " (the id is not mapped in mab's user namespace)";
    throw Error(ErrorKind::input, message)
        .with_hint("as a non-root user mab can only create files owned by root (0:0) so far; "
                   "build as root for other owners");
}

bool owner_is(const struct stat& st, Ownership owner) {
    return st.st_uid == owner.uid && st.st_gid == owner.gid;
}

bool refused_for_privileges(int err) { return err == EPERM || err == EINVAL; }

// A list of NUL-separated names, as listxattr returns it.
std::vector<std::string> split_names(const std::string& buf) {
    std::vector<std::string> names;
    size_t i = 0;
    while (i < buf.size()) {
        size_t end = buf.find('\0', i);
        if (end == std::string::npos) end = buf.size();
        if (end > i) names.emplace_back(buf.substr(i, end - i));
        i = end + 1;
    }
    return names;
}

bool xattr_write_refused(int err) { return err == ENOTSUP || err == EPERM; }

} // namespace

void change_owner_fd(int fd, Ownership owner, const std::string& display) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_errno("stat", display);
    if (owner_is(st, owner)) return;
    if (::fchown(fd, owner.uid, owner.gid) == 0) return;
    if (refused_for_privileges(errno)) throw_owner_error(errno, owner, display);
    throw_errno("chown", display);
}

void change_owner_at(int dirfd, const std::string& name, Ownership owner,
                     const std::string& display) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat", display);
    if (owner_is(st, owner)) return;
    if (::fchownat(dirfd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) == 0) return;
    if (refused_for_privileges(errno)) throw_owner_error(errno, owner, display);
    throw_errno("chown", display);
}

Xattrs read_xattrs(const std::string& path) {
    Xattrs out;
    std::string names;
    for (;;) {
        ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
        if (n < 0) {
            if (errno == ENOTSUP) return out;
            throw_errno("listxattr", path);
        }
        if (n == 0) return out;
        names.resize(static_cast<size_t>(n));
        n = ::llistxattr(path.c_str(), names.data(), names.size());
        if (n < 0 && errno == ERANGE) continue;  // grew meanwhile
        if (n < 0) throw_errno("listxattr", path);
        names.resize(static_cast<size_t>(n));
        break;
    }
    for (const std::string& name : split_names(names)) {
        if (is_overlay_private_xattr(name)) continue;
        std::string value;
        for (;;) {
            ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
            if (n < 0 && errno == ENODATA) break;  // removed meanwhile
            if (n < 0) throw_errno("getxattr " + name, path);
            value.resize(static_cast<size_t>(n));
            n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
            if (n < 0 && errno == ERANGE) continue;
            if (n < 0) throw_errno("getxattr " + name, path);
            value.resize(static_cast<size_t>(n));
            out.emplace_back(name, std::move(value));
            break;
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool is_overlay_private_xattr(const std::string& name) {
    return name.rfind("trusted.overlay.", 0) == 0 || name.rfind("user.overlay.", 0) == 0;
}

void write_xattrs_fd(int fd, const Xattrs& xattrs, const std::string& display) {
    for (const auto& [name, value] : xattrs) {
        if (is_overlay_private_xattr(name)) continue;
        if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) != 0 &&
            !xattr_write_refused(errno)) {
            throw_errno("setxattr " + name, display);
        }
    }
}

void write_xattrs_path(const std::string& path, const Xattrs& xattrs) {
    for (const auto& [name, value] : xattrs) {
        if (is_overlay_private_xattr(name)) continue;
        if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0 &&
            !xattr_write_refused(errno)) {
            throw_errno("setxattr " + name, path);
        }
    }
}

} // namespace mab::snapshotter
