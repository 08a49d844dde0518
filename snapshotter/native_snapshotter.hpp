// The copy-based snapshotter: every snapshot is a complete directory tree. prepare()
// copies the parent (reflink where the filesystem can, else a real copy: a snapshot must
// never share inodes with its parent, since a RUN may write files in place).
// Works on any filesystem; overlay comes with the sandbox.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "snapshotter/snapshotter.hpp"

namespace mab::snapshotter {

class NativeSnapshotter final : public Snapshotter {
public:
    explicit NativeSnapshotter(std::filesystem::path dir);

    std::string_view name() const override { return "native"; }
    // A new writable snapshot `key` with the contents of committed snapshot `parent`
    // (empty tree if nullopt). Returns its directory.
    std::filesystem::path prepare(const std::string& key, const std::optional<std::string>& parent) override;
    // Compares the tree with its parent's (every entry is new without a parent).
    std::optional<Layer> diff(const std::string& key, oci::ContentStore& store,
                              const LayerOptions& options) override;
    // Marks `key` immutable (later prepares may use it as a parent); returns path(key).
    std::filesystem::path commit(const std::string& key) override;
    std::filesystem::path path(const std::string& key) const;
    // True once `key` is committed (a prepared, uncommitted tree does not count: it
    // may be the leftover of an interrupted build).
    bool exists(const std::string& key) const override;
    void remove(const std::string& key) override;
    void remove_all() override;

private:
    std::filesystem::path m_dir;
    std::mutex m_mutex;
    // The parent each snapshot prepared by this process was copied from, for diff().
    std::map<std::string, std::optional<std::string>> m_parents;
};

// Called with a regular file's size once its data is copied (not for a second link
// to a file already copied).
using CopiedBytes = std::function<void(uint64_t bytes)>;

// Copies a whole tree preserving type, mode, owner (where permitted), mtime (ns),
// xattrs, symlinks and hardlinks within the tree.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to,
               const CopiedBytes& copied = {});

// The bytes copy_tree(from, …) copies: the sizes of the tree's regular files, a file
// with several links in the tree counted once. A walk of stat calls, no reads.
uint64_t tree_file_bytes(const std::filesystem::path& from);

} // namespace mab::snapshotter
