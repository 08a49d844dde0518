// Helpers for the snapshotter's tests: building trees on disk, describing them, and
// reading tar streams back with libarchive (an independent reader).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/compression.hpp"

namespace mab::snapshotter::test {

namespace fs = std::filesystem;

// A Sink that keeps everything in memory.
class MemorySink : public oci::Sink {
public:
    void write(const void* data, size_t size) override;
    void finish() override { finished = true; }
    std::string data;
    bool finished = false;
};

void write_file(const fs::path& p, const std::string& content, mode_t mode = 0644);
std::string read_file(const fs::path& p);
void make_dir(const fs::path& p, mode_t mode = 0755);
void make_symlink(const std::string& target, const fs::path& p);
// Sets mtime (and atime) without following a symlink.
void set_mtime(const fs::path& p, int64_t sec, long nsec = 0);
void set_xattr(const fs::path& p, const std::string& name, const std::string& value);
bool is_root();

// One line per entry, sorted by relative path: type, mode, owner, size, mtime
// seconds (and nanoseconds if asked), content, symlink target, xattrs, and which
// entries share an inode. Two trees are "the same" when their descriptions are.
struct DescribeOptions {
    bool mtime_nsec = true;
    bool dir_mtimes = true;
};
std::map<std::string, std::string> describe_tree(const fs::path& root,
                                                 DescribeOptions options = {});
// Sorted relative paths (with "/" after directories), nothing followed.
std::vector<std::string> list_tree(const fs::path& root);

// A tar entry as libarchive reads it.
struct TarEntry {
    std::string name;
    char type = '?';  // 'f' file, 'd' dir, 'l' symlink, 'h' hardlink, 'c', 'b', 'p' fifo
    unsigned mode = 0;
    int64_t uid = 0;
    int64_t gid = 0;
    std::string uname;
    std::string gname;
    int64_t mtime = 0;
    long mtime_nsec = 0;
    bool atime_set = false;
    bool ctime_set = false;
    int64_t size = 0;
    std::string link;  // symlink target or hardlink target
    unsigned rdev_major = 0;
    unsigned rdev_minor = 0;
    std::map<std::string, std::string> xattrs;
    std::string data;
};

// Reads a (possibly compressed) tar from memory; fails the test on any error.
std::vector<TarEntry> read_tar(const std::string& bytes);
std::vector<std::string> entry_names(const std::vector<TarEntry>& entries);

// Writes a tar file with libarchive's writer (pax): used to build hostile archives.
struct RawEntry {
    std::string name;
    char type = 'f';  // as TarEntry::type
    std::string data;  // file contents
    std::string link;  // symlink / hardlink target
    unsigned mode = 0644;
    int64_t uid = 0;
    int64_t gid = 0;
    int64_t mtime = 1000000000;
    std::map<std::string, std::string> xattrs;
};
enum class RawCompression { none, gzip, zstd, bzip2, xz };
void write_raw_tar(const fs::path& file, const std::vector<RawEntry>& entries,
                   RawCompression compression = RawCompression::none);

} // namespace mab::snapshotter::test
