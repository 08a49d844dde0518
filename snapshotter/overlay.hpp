// The overlayfs snapshotter, for use inside mab's user namespace (mount namespace
// included): a snapshot is an upper directory; prepare() mounts the committed parents'
// uppers as lowers with a fresh upper/work on `<dir>/<key>/merged`. When we are not
// real root (any user namespace but the initial one) the mount uses `userxattr`, so
// overlay keeps its metadata in user.overlay.* xattrs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"

namespace mab::snapshotter {

class OverlaySnapshotter {
public:
    explicit OverlaySnapshotter(std::filesystem::path dir);

    // A new writable snapshot `key` over `parents` (committed keys, nearest first: the
    // chain from the immediate parent down to the base). Mounts it and returns the
    // merged directory. Throws Error(input) for an uncommitted parent or a key in use.
    std::filesystem::path prepare(const std::string& key, const std::vector<std::string>& parents);
    // Unmounts `key`'s merged view (nothing to do if it is not mounted).
    void unmount(const std::string& key);
    // Marks `key` immutable (it must be unmounted); its upper may then be a lower.
    void commit(const std::string& key);
    // The layer of what `key` changed (its upper dir), nullopt if nothing changed.
    std::optional<Layer> diff(const std::string& key, oci::ContentStore& store,
                              const LayerOptions& options) const;
    // Unmounts and deletes the snapshot; nothing to do if it is absent.
    void remove(const std::string& key);

    std::filesystem::path merged(const std::string& key) const;
    std::filesystem::path upper(const std::string& key) const;
    bool exists(const std::string& key) const;  // committed

private:
    std::filesystem::path m_dir;
};

// The overlay differ: walks only `upper` and writes its entries as an OCI layer,
// turning overlay whiteouts (a 0:0 character device, or a file with an
// {user,trusted}.overlay.whiteout xattr) into `.wh.<name>` entries and opaque
// directories ({user,trusted}.overlay.opaque = "y") into `.wh..wh..opq`. nullopt when
// the upper is empty.
std::optional<Layer> diff_overlay_upper(const std::filesystem::path& upper,
                                        oci::ContentStore& store, const LayerOptions& options);

// True if an overlay mount works here (tries a tiny one in a temporary directory
// under `dir`): the engine falls back to NativeSnapshotter otherwise.
bool overlay_supported(const std::filesystem::path& dir);


} // namespace mab::snapshotter
