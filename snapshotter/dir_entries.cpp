#include "snapshotter/dir_entries.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mab::snapshotter {

std::vector<std::string> list_directory(int dirfd, const std::string& display) {
    // fdopendir takes ownership of its fd, so it gets a fresh one on the same directory.
    const int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open", display);
    DIR* stream = ::fdopendir(fd);
    if (stream == nullptr) {
        const int err = errno;
        ::close(fd);
        throw_errno_code(err, "opendir", display);
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* e = ::readdir(stream)) {
        const std::string_view name(e->d_name);
        if (name != "." && name != "..") names.emplace_back(name);
        errno = 0;
    }
    const int err = errno;
    ::closedir(stream);
    if (err != 0) throw_errno_code(err, "readdir", display);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> list_directory(const std::filesystem::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open", dir.string());
    return list_directory(fd.get(), dir.string());
}

} // namespace mab::snapshotter
