// Root-confined file operations. Every path handed to RootFs is resolved inside the
// root with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): symlinks (absolute or
// with too many "..") resolve as if the root were "/", so nothing built, copied or
// extracted can land outside the root (SECURITY.md §A). Final components are created
// with O_NOFOLLOW / O_EXCL semantics, and metadata calls go through fds, never paths.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"

namespace mab::snapshotter {

struct Ownership {
    uint32_t uid = 0;
    uint32_t gid = 0;
};

class RootFs {
public:
    // Opens `dir` (must exist and be a directory) as the root.
    explicit RootFs(const std::filesystem::path& dir);

    const std::filesystem::path& host_path() const { return m_host_path; }
    int root_fd() const { return m_root.get(); }

    // Resolves `path` (absolute or relative to the root; "." / "/" = the root)
    // following symlinks inside the root. Returns an O_PATH fd, or nullopt if absent.
    std::optional<UniqueFd> open_path(std::string_view path) const;
    // Like open_path, but does not follow a symlink in the final component.
    std::optional<UniqueFd> open_path_nofollow(std::string_view path) const;

    // lstat/stat of a path inside the root (nullopt if absent).
    std::optional<struct stat> lstat(std::string_view path) const;
    std::optional<struct stat> stat(std::string_view path) const;

    // The path of `path` inside the root after resolving symlinks in every component
    // ("/a/link/b" -> "/a/target/b"), as an absolute in-root path.
    std::string resolve(std::string_view path) const;

    // Creates `path` and missing parents as directories with `mode`; newly created
    // directories get `owner` if given and mtime `mtime` if given. Existing components
    // that are not directories throw Error(input) naming them.
    void mkdir_all(std::string_view path, mode_t mode, std::optional<Ownership> owner = {},
                   std::optional<int64_t> mtime = {});

    // Opens the parent directory of `path` (which must exist) as a directory fd and
    // returns it with the final name. The final name is never "", "." or "..".
    std::pair<UniqueFd, std::string> open_parent(std::string_view path) const;

    // Removes `path` (recursively if a directory) without following symlinks.
    // Returns false if it did not exist.
    bool remove(std::string_view path);

private:
    std::filesystem::path m_host_path;
    UniqueFd m_root;
};

// Removes `name` in the directory `dirfd` (recursively if a directory) without
// following symlinks; `display` names it in errors. Returns false if it did not exist.
bool remove_at(int dirfd, const std::string& name, const std::string& display);

// Splits "/a//b/./c/" into {"a","b","c"}, rejecting nothing: ".." is kept as a
// component and resolved by the kernel inside the root.
std::vector<std::string> split_path(std::string_view path);

// Cleans an in-image path lexically: absolute, no "." / ".." / duplicate slashes, ".."
// never climbs above "/" ("/a/../../b" -> "/b").
std::string clean_path(std::string_view path);

} // namespace mab::snapshotter
