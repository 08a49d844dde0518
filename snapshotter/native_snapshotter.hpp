// The copy-based snapshotter: every snapshot is a complete directory tree. prepare()
// copies the parent (reflink where the filesystem can, else a real copy: a snapshot must
// never share inodes with its parent, since a RUN may write files in place).
// Works on any filesystem; overlay comes with the sandbox.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mab::snapshotter {

class NativeSnapshotter {
public:
    explicit NativeSnapshotter(std::filesystem::path dir);

    // A new writable snapshot `key` with the contents of committed snapshot `parent`
    // (empty tree if nullopt). Returns its directory.
    std::filesystem::path prepare(const std::string& key, const std::optional<std::string>& parent);
    // Marks `key` immutable (later prepares may use it as a parent).
    void commit(const std::string& key);
    std::filesystem::path path(const std::string& key) const;
    // True once `key` is committed (a prepared, uncommitted tree does not count: it
    // may be the leftover of an interrupted build).
    bool exists(const std::string& key) const;
    // Removes the snapshot, committed or not; nothing to do if it is absent.
    void remove(const std::string& key);

private:
    std::filesystem::path m_dir;
};

// Copies a whole tree preserving type, mode, owner (where permitted), mtime (ns),
// xattrs, symlinks and hardlinks within the tree.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

} // namespace mab::snapshotter
