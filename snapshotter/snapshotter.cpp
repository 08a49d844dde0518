#include "snapshotter/snapshotter.hpp"

#include "base/error.hpp"
#include "snapshotter/native_snapshotter.hpp"
#include "snapshotter/overlay.hpp"

namespace mab::snapshotter {

SnapshotterChoice parse_snapshotter_choice(const std::string& name, const std::string& what) {
    if (name == "auto") return SnapshotterChoice::automatic;
    if (name == "overlay" || name == "overlayfs") return SnapshotterChoice::overlay;
    if (name == "native") return SnapshotterChoice::native;
    throw Error(ErrorKind::usage, what + ": unknown snapshotter \"" + name + "\"")
        .with_hint("choose auto, overlay or native");
}

OpenedSnapshotter open_snapshotter(SnapshotterChoice choice, const std::filesystem::path& dir) {
    OpenedSnapshotter out;
    if (choice == SnapshotterChoice::native) {
        out.snapshotter = std::make_unique<NativeSnapshotter>(dir);
        return out;
    }
    std::filesystem::create_directories(dir);
    std::string reason = overlay_unsupported_reason(dir);
    if (reason.empty()) {
        out.snapshotter = std::make_unique<OverlaySnapshotter>(dir);
        return out;
    }
    if (choice == SnapshotterChoice::overlay) {
        throw Error(ErrorKind::input, "the overlay snapshotter cannot be used in " + dir.string() + ": " + reason)
            .with_hint("use --snapshotter=native (copies every step; works on any filesystem)");
    }
    out.snapshotter = std::make_unique<NativeSnapshotter>(dir);
    out.fallback_reason = std::move(reason);
    return out;
}

} // namespace mab::snapshotter
