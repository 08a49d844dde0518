// Directory listings, sorted by name: the order every walk in mab uses (tar entries,
// diffs, copies), so results do not depend on the filesystem's readdir order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mab::snapshotter {

// Names in the directory open as `dirfd` (an O_PATH fd works too), without "." and
// "..". Errors name `display`.
std::vector<std::string> list_directory(int dirfd, const std::string& display);
// The same for a path (its last component is not followed if it is a symlink).
std::vector<std::string> list_directory(const std::filesystem::path& dir);

} // namespace mab::snapshotter
