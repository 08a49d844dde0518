#include "engine/ops/root_paths.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::engine::ops {

std::string parent_path(std::string_view path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

std::string base_name(std::string_view path) {
    const size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string join_path(std::string_view dir, std::string_view name) {
    std::string out(dir);
    if (out.empty() || out.back() != '/') out += '/';
    out += name;
    return out;
}

std::optional<UniqueFd> open_dir(const snapshotter::RootFs& root, std::string_view path) {
    std::optional<UniqueFd> handle = root.open_path_nofollow(path);
    if (!handle) return std::nullopt;
    // Reopening "." through an O_PATH descriptor gives a readable directory fd, and
    // fails with ENOTDIR when the entry is a symlink or a file.
    UniqueFd dir(::openat(handle->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        if (errno == ENOTDIR || errno == ENOENT) return std::nullopt;
        throw_errno("open", std::string(path));
    }
    return dir;
}

std::optional<RootEntry> find_entry(const snapshotter::RootFs& root, std::string_view path,
                                    Follow follow) {
    const std::string clean = snapshotter::clean_path(path);
    RootEntry entry;
    if (clean == "/") {
        entry.path = "/";
    } else if (follow == Follow::yes) {
        entry.path = root.resolve(clean);
    } else {
        entry.path = join_path(root.resolve(parent_path(clean)), base_name(clean));
    }
    if (entry.path == "/") {
        entry.dir = UniqueFd(::openat(root.root_fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!entry.dir) throw_errno("open", root.host_path().string());
        entry.name = ".";
    } else {
        std::optional<UniqueFd> dir = open_dir(root, parent_path(entry.path));
        if (!dir) return std::nullopt;
        entry.dir = std::move(*dir);
        entry.name = base_name(entry.path);
    }
    if (::fstatat(entry.dir.get(), entry.name.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("lstat", entry.path);
    }
    return entry;
}

UniqueFd open_regular(int dir, const std::string& name, const std::string& display_path) {
    UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ELOOP) throw Error(ErrorKind::input, fmt::format("{}: is a symlink, not a regular file", display_path));
        throw_errno("open", display_path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("fstat", display_path);
    if (!S_ISREG(st.st_mode)) {
        throw Error(ErrorKind::input, fmt::format("{}: not a regular file", display_path));
    }
    return fd;
}


std::string read_link_at(int dir, const std::string& name, const std::string& display_path) {
    std::vector<char> buf(256);
    for (;;) {
        const ssize_t n = ::readlinkat(dir, name.c_str(), buf.data(), buf.size());
        if (n < 0) throw_errno("readlink", display_path);
        if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
        buf.resize(buf.size() * 2);
    }
}

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

} // namespace mab::engine::ops
