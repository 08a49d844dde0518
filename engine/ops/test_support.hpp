// Helpers for the engine/ops tests: building trees on disk, inspecting them, writing
// tar archives and reading layers back with libarchive (an independent reader).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/temp_dir.hpp"
#include "engine/graph/op.hpp"
#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"

namespace mab::engine::ops::test {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& content, mode_t mode = 0644);
std::string read_file(const fs::path& p);
void make_dir(const fs::path& p, mode_t mode = 0755);
void make_symlink(const std::string& target, const fs::path& p);
// Sets atime and mtime without following a symlink.
void set_mtime(const fs::path& p, int64_t sec, long nsec = 0);
struct stat lstat_of(const fs::path& p);
bool exists_nofollow(const fs::path& p);
bool is_root();

// Copies set owners (0:0 by default), which needs root or a user namespace: false, with
// a warning, when this test process cannot.
bool can_chown();

// COPY `src` `dest` as a CopyAction (a dest ending in "/" is a directory).
graph::CopyAction copy_action(const std::string& src, const std::string& dest);

// A build context and a destination root, in a temporary directory named `prefix`….
struct CopyTrees {
    explicit CopyTrees(const std::string& prefix);
    TempDir tmp;
    fs::path ctx;
    fs::path root;
};

// A layer entry as libarchive reads it.
struct TarEntry {
    std::string name;
    char type = '?';  // 'f' file, 'd' dir, 'l' symlink, 'h' hardlink
    unsigned mode = 0;
    int64_t uid = 0;
    int64_t gid = 0;
    int64_t mtime = 0;
    long mtime_nsec = 0;
    std::string link;
    std::string data;
};

// Reads the layer blob from the store; fails the test on a read error.
std::vector<TarEntry> read_layer(const oci::ContentStore& store, const snapshotter::Layer& layer);
// The entry named `name` ("app/a.txt"); fails the test if absent.
const TarEntry& entry_named(const std::vector<TarEntry>& entries, const std::string& name);
std::vector<std::string> entry_names(const std::vector<TarEntry>& entries);

// Writes an uncompressed (or gzip) tar of regular files and directories (names ending
// in "/") with libarchive.
struct ArchiveEntry {
    std::string name;
    std::string data;
    unsigned mode = 0644;
    int64_t uid = 0;
    int64_t gid = 0;
    int64_t mtime = 1000000000;
};
void write_tar(const fs::path& file, const std::vector<ArchiveEntry>& entries, bool gzip = false);

} // namespace mab::engine::ops::test
