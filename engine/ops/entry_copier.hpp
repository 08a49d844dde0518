// Copies entries of a source tree into a destination root, one directory fd at a time:
// source entries are opened relative to their parent's fd with O_NOFOLLOW (a symlink
// is copied as a symlink), and destination entries are created relative to a parent
// fd that was opened inside the destination root, with O_CREAT|O_EXCL|O_NOFOLLOW, so
// nothing can be written outside that root. Metadata is set through fds (or
// AT_SYMLINK_NOFOLLOW): owner, then mode, xattrs and mtime (ns). Hardlinked files of
// one copy stay hardlinked.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "engine/ops/context_filter.hpp"
#include "engine/ops/dir_times.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

// How copied entries get their owner and mode.
struct CopyMetadata {
    std::optional<snapshotter::Ownership> chown;  // every entry gets this owner
    bool preserve_owner = false;                  // else the source's owner; else 0:0
    std::optional<uint32_t> chmod;                // permission bits for files and dirs
};

// The owner and permission bits a copied entry gets from its source's lstat: the
// --chown owner, else the source's (preserve_owner) or 0:0; the --chmod bits, else the
// source's. Shared with the direct COPY-to-layer path, which must write the same.
snapshotter::Ownership copied_owner(const CopyMetadata& metadata, const struct stat& st);
mode_t copied_mode(const CopyMetadata& metadata, const struct stat& st);

// A source entry: its parent directory fd, its name there, a path for messages and
// its lstat.
struct SourceEntry {
    int dir = -1;
    std::string name;
    std::string path;
    struct stat st {};
};

// Where an entry goes: a destination directory fd, that directory's resolved in-root
// path, and the entry's name in it.
struct DestSlot {
    int dir = -1;
    std::string dir_path;
    std::string name;
};

class EntryCopier {
public:
    // `source_filter`: the source's exclude patterns (a local source's .dockerignore);
    // directories copied with a walk state skip what it filters out.
    EntryCopier(snapshotter::RootFs& dest, CopyMetadata metadata, DirTimes& times,
                const ContextFilter* source_filter = nullptr);

    // Copies `src` to `dest`. An existing non-directory there is replaced (a new inode);
    // an existing directory is merged with a copied directory, and is an error for
    // anything else. Sockets are skipped. `filtered` is src's walk state in the
    // source filter, if it has one.
    void copy_entry(const SourceEntry& src, const DestSlot& dest, const ContextFilter::Dir* filtered = nullptr);

    // Copies everything inside source directory `src_dir` (named `src_path` in
    // messages) into destination directory `dest_dir` at in-root path `dest_dir_path`.
    void copy_contents(int src_dir, const std::string& src_path, int dest_dir,
                       const std::string& dest_dir_path, const ContextFilter::Dir* filtered = nullptr);

private:
    void copy_directory(const SourceEntry& src, const DestSlot& dest, bool exists,
                        const ContextFilter::Dir* filtered);
    void copy_regular(const SourceEntry& src, const DestSlot& dest);
    void copy_symlink(const SourceEntry& src, const DestSlot& dest);
    void copy_special(const SourceEntry& src, const DestSlot& dest);
    snapshotter::Ownership owner_for(const struct stat& st) const;
    mode_t mode_for(const struct stat& st) const;

    snapshotter::RootFs& m_dest;
    CopyMetadata m_metadata;
    DirTimes& m_times;
    const ContextFilter* m_filter;
    // The first destination path of each multiply-linked source inode.
    std::map<std::pair<dev_t, ino_t>, std::string> m_links;
};

} // namespace mab::engine::ops
