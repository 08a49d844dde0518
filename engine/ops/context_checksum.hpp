// Content checksums of what a COPY selects from a local source, for cache keys: the
// same files (names, types, permission bits, sizes, contents, link targets) give the
// same checksum whatever their mtimes or inode numbers, as BuildKit's content-based
// cache keys. Only the filtered view counts (.dockerignore'd files never decide a hit).
// File contents are hashed once per (inode, size, mtime, ctime): a StatCache persists
// those digests between builds, so an unchanged 20,000-file context costs a walk of
// lstat calls.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/ops/context_filter.hpp"
#include "oci/digest.hpp"

namespace mab::engine::ops {

class StatCache {
public:
    // Loads `file` if it exists and is well-formed (else starts empty: it is only a cache).
    explicit StatCache(std::filesystem::path file);
    // The sha256 of the regular file at `path` (relative to its root; lstat `st`), from
    // the cache when its inode, size and times are unchanged, else read from the file
    // `open` returns (only then is it opened).
    oci::Digest digest_of(const std::string& path, const struct stat& st, const std::function<int()>& open);
    // Writes the entries seen in this build back (atomically), when anything changed.
    void save();

private:
    struct Entry {
        uint64_t ino = 0, size = 0;
        int64_t mtime_ns = 0, ctime_ns = 0;
        std::string digest;  // "sha256:…"
    };
    std::filesystem::path m_file;
    std::mutex m_mutex;
    std::map<std::string, Entry> m_loaded;
    std::map<std::string, Entry> m_seen;
    bool m_changed = false;
};

// The checksum of source path `src` (absolute in the source, wildcards allowed) of the
// directory `root` as filtered by `filter` (null: everything). A wildcard source
// checksums the deepest directory above it without one, and a path through a symlink
// the whole source: keys may change more often than needed, never less. A missing path
// has a checksum too (the copy will fail with its own error).
oci::Digest checksum_selection(const std::filesystem::path& root, const ContextFilter* filter, std::string_view src,
                               StatCache& stat_cache);

} // namespace mab::engine::ops
