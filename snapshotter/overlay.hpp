// The overlayfs snapshotter, for use inside mab's user namespace (mount namespace
// included, so every mount here is private to the build and vanishes with it).
// A snapshot is a directory `<dir>/<n>/` with `upper/` (what its step changed),
// `work/` and `merged/`: prepare() mounts the parent chain's uppers (nearest first) as
// lowers under a fresh upper on merged/; commit() swaps that for a read-only overlay of
// the snapshot's own upper over the same chain, so merged/ keeps showing the whole tree.
// Directories are short numbers and lowers are named relative to an open descriptor
// of `dir`, so about 125 layers fit in one page of mount options (the limit Docker's
// overlay2 driver has too). When we are not real root (any user namespace but the
// initial one) the mounts use `userxattr`, so overlay keeps its metadata in
// user.overlay.* xattrs. Which key is which snapshot lives in this object: snapshots
// last as long as the build that made them.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"
#include "snapshotter/snapshotter.hpp"

namespace mab::snapshotter {

// How many snapshots one overlay may stack; prepare() refuses deeper chains with an
// error that points to the native snapshotter.
inline constexpr size_t k_overlay_max_depth = 125;

class OverlaySnapshotter final : public Snapshotter {
public:
    explicit OverlaySnapshotter(std::filesystem::path dir);
    // Unmounts every view this object mounted (the directories stay for their owner
    // to remove).
    ~OverlaySnapshotter() override;
    OverlaySnapshotter(const OverlaySnapshotter&) = delete;
    OverlaySnapshotter& operator=(const OverlaySnapshotter&) = delete;

    std::string_view name() const override { return "overlay"; }
    // Throws Error(input) for an uncommitted parent, a key in use or a chain deeper
    // than k_overlay_max_depth.
    std::filesystem::path prepare(const std::string& key, const std::optional<std::string>& parent) override;
    // The layer of what `key` changed: its upper directory (diff_overlay_upper).
    std::optional<Layer> diff(const std::string& key, oci::ContentStore& store,
                              const LayerOptions& options) override;
    std::filesystem::path commit(const std::string& key) override;
    bool exists(const std::string& key) const override;
    void remove(const std::string& key) override;
    void remove_all() override;

    // `key`'s upper directory (what its step changed, in overlay's own format).
    std::filesystem::path upper(const std::string& key) const;

private:
    struct Snapshot {
        std::string dir;  // the short directory name under m_dir
        std::optional<std::string> parent;
        bool committed = false;
        bool mounted = false;
    };

    const Snapshot& find(const std::string& key) const;  // throws Error(internal) if absent
    // The upper directories of `key` and its ancestors, nearest first, as mount
    // option paths relative to m_dir_fd.
    std::vector<std::string> chain(const std::string& key) const;
    void unmount(Snapshot& snapshot);

    std::filesystem::path m_dir;
    UniqueFd m_dir_fd;
    mutable std::mutex m_mutex;
    std::map<std::string, Snapshot> m_snapshots;
    unsigned m_next = 1;
};

// The overlay differ: walks only `upper` and writes its entries as an OCI layer,
// turning overlay whiteouts (a 0:0 character device, or a file with an
// {user,trusted}.overlay.whiteout xattr) into `.wh.<name>` entries. An opaque directory
// ({user,trusted}.overlay.opaque = "y") becomes `.wh.<name>` entries for what it hides
// in `lower` (the parent's whole tree, read only inside opaque directories; nullopt:
// no parent, nothing to hide), as the native differ writes it. nullopt when the upper
// is empty.
std::optional<Layer> diff_overlay_upper(const std::filesystem::path& upper,
                                        const std::optional<std::filesystem::path>& lower,
                                        oci::ContentStore& store, const LayerOptions& options);

// Whether an overlay mount works here: tries a tiny one in a temporary directory under
// `dir`. Empty when it works, else what went wrong (the mount's error).
std::string overlay_unsupported_reason(const std::filesystem::path& dir);
inline bool overlay_supported(const std::filesystem::path& dir) { return overlay_unsupported_reason(dir).empty(); }


} // namespace mab::snapshotter
