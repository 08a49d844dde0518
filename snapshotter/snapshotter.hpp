// The snapshotter's front door: where the engine keeps the filesystem of every step.
// A snapshot is prepared (writable, over a committed parent or empty), changed by an
// op, diffed into one OCI layer, then committed (read-only from then on, usable as a
// parent). Two backends, same contract:
//  - overlay: kernel overlayfs inside mab's user namespace; a snapshot stores only what
//    its step changed, and its diff walks just that (snapshotter/overlay.hpp);
//  - native: a full copy per snapshot, diff by comparing trees, for filesystems or
//    kernels where overlay is refused (snapshotter/native_snapshotter.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"

namespace mab::snapshotter {

class Snapshotter {
public:
    virtual ~Snapshotter() = default;

    virtual std::string_view name() const = 0;  // "overlay" or "native"

    // A new writable snapshot `key` holding committed `parent`'s tree (an empty tree if
    // nullopt). Returns the directory to change.
    virtual std::filesystem::path prepare(const std::string& key, const std::optional<std::string>& parent) = 0;
    // What prepared snapshot `key` changed compared with its parent, as one layer;
    // nullopt when nothing changed.
    virtual std::optional<Layer> diff(const std::string& key, oci::ContentStore& store,
                                      const LayerOptions& options) = 0;
    // Makes `key` immutable and returns the directory where its whole tree can be read
    // from then on (what a later COPY --from or an exporter reads).
    virtual std::filesystem::path commit(const std::string& key) = 0;
    // True once `key` is committed.
    virtual bool exists(const std::string& key) const = 0;
    // Removes the snapshot, committed or not; nothing to do if it is absent.
    virtual void remove(const std::string& key) = 0;
    // Removes every snapshot this object made (once a build needs no more files).
    virtual void remove_all() = 0;
};

enum class SnapshotterChoice { automatic, overlay, native };

// "auto", "overlay" or "native"; throws Error(usage) naming `what` (the flag or the
// config file line) otherwise.
SnapshotterChoice parse_snapshotter_choice(const std::string& name, const std::string& what);

struct OpenedSnapshotter {
    std::unique_ptr<Snapshotter> snapshotter;
    // Set when `automatic` fell back to native: why overlay could not be used.
    std::string fallback_reason;
};

// The snapshotter for a build, keeping its snapshots under `dir`. `automatic` takes
// overlay when a probe mount under `dir` works, else native; `overlay` refuses with
// Error(input) saying why and naming the way out when the probe fails.
OpenedSnapshotter open_snapshotter(SnapshotterChoice choice, const std::filesystem::path& dir);

} // namespace mab::snapshotter
