// Small helpers over snapshotter::RootFs for the file ops: in-image path arithmetic
// and opening entries of a root as real file descriptors without leaving the root.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

// "/a/b/c" -> "/a/b"; "/a" -> "/"; "/" -> "/". Expects a cleaned absolute path.
std::string parent_path(std::string_view path);
// "/a/b/c" -> "c"; "/" -> "".
std::string base_name(std::string_view path);
// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string join_path(std::string_view dir, std::string_view name);

// An entry of a root, not followed: its parent directory as a readable fd, its name
// in there ("." for the root itself) and its lstat.
struct RootEntry {
    UniqueFd dir;
    std::string name;
    std::string path;  // the in-root path with every symlink resolved (parents, and the
                       // entry itself when followed)
    struct stat st {};
};

enum class Follow { no, yes };

// Finds `path` in `root` (symlinks in parents always resolve inside the root; the final
// component too when `follow` is yes). nullopt if it does not exist.
std::optional<RootEntry> find_entry(const snapshotter::RootFs& root, std::string_view path,
                                    Follow follow);

// Opens the directory at the resolved in-root `path` for reading (O_DIRECTORY, the final
// component not followed). nullopt if absent or not a directory.
std::optional<UniqueFd> open_dir(const snapshotter::RootFs& root, std::string_view path);

// Opens the regular file `name` in directory `dir` for reading, never following a
// symlink and never blocking on a FIFO; throws if it is not a regular file.
UniqueFd open_regular(int dir, const std::string& name, const std::string& display_path);


// The target of symlink `name` in directory `dir`; errors name `display_path`.
std::string read_link_at(int dir, const std::string& name, const std::string& display_path);

// "/proc/self/fd/N": a path that names exactly the open file `fd`, for libraries that
// take paths (libarchive).
std::string fd_path(int fd);

} // namespace mab::engine::ops
