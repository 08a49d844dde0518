// Binds the graph's ops to real work: sources to directories, file ops to snapshots,
// copies and layers. The solver calls run() for each vertex it needs.
//  - ScratchSource: an empty committed snapshot;
//  - LocalSource: the configured directory itself (read in place, never written);
//  - FileOp and ExecOp: a snapshot keyed by the vertex digest, prepared over input 0,
//    changed by the op (ops/file_op.hpp, ops/exec_op.hpp) and its difference to input 0
//    as one layer (none when nothing changed);
//  - ImageSource: a snapshot with the image's layers applied (ops/image_source.hpp);
//  - HttpSource: a snapshot holding the one downloaded file (ops/http_source.hpp).
//  - GitSource: a snapshot holding a repository's tree at a ref (ops/git_source.hpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emu/qemu_version.hpp"
#include "engine/solve/solver.hpp"
#include "oci/content_store.hpp"
#include "registry/http_transport.hpp"
#include "snapshotter/layer.hpp"
#include "snapshotter/snapshotter.hpp"

namespace mab::engine {

// The solver calls Runner::run from several worker threads at once (for distinct
// vertices), so the callbacks here must be thread-safe: the CLI's ImageSources,
// EmulationSetup (registers qemu once, under its lock) and termination flag are.
struct RunnerConfig {
    oci::ContentStore* store = nullptr;
    snapshotter::Snapshotter* snapshots = nullptr;
    snapshotter::LayerOptions layer_options;
    // Local sources by name ("context" -> the build context directory).
    std::map<std::string, std::filesystem::path> local_sources;
    // Where each local source's exclude patterns come from (".dockerignore"), named
    // when a copy asks for an excluded path.
    std::map<std::string, std::string> exclude_origins = {};
    // Puts the layer blobs of base image `manifest` into the store (from the OCI layout
    // or registry the image was resolved from), verified against their digests. Called
    // once per base image the build unpacks. Empty: base images are unavailable.
    std::function<void(const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs)> fetch_image_blobs = {};
    // Called before a RUN for its platform: makes emulation ready and returns the qemu
    // that will run the RUN's binaries (empty when the host runs them natively), or
    // throws Error(emulation) saying what is missing. Empty: only native RUNs are possible.
    std::function<std::filesystem::path(const oci::Platform&)> prepare_platform = {};
    // True once the build should stop (Ctrl-C); checked before each op and while a RUN runs.
    std::function<bool()> cancelled = {};
};

class Runner : public OpRunner {
public:
    explicit Runner(RunnerConfig config);

    // Once `stopping` (another vertex failed) or RunnerConfig::cancelled holds, a RUN
    // is killed and an op not yet started refuses to (Error(cancelled)), as on Ctrl-C.
    Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink& progress,
            const std::atomic<bool>& stopping) override;
    bool reports_progress(const graph::Vertex& vertex) const override;

private:
    bool cancelled(const std::atomic<bool>& stopping) const;

    Ref run_scratch(const graph::Vertex& vertex);
    Ref run_local(const graph::LocalSource& source) const;
    Ref run_image(const graph::Vertex& vertex, const graph::ImageSource& image);
    Ref run_http(const graph::Vertex& vertex, const graph::HttpSource& source);
    Ref run_git(const graph::Vertex& vertex, const graph::GitSource& source);
    Ref run_file(const graph::Vertex& vertex, const graph::FileOp& op,
                 const std::vector<Ref>& inputs);
    // A new snapshot over input 0, changed by `change`, diffed into a layer.
    Ref run_on_snapshot(const graph::Vertex& vertex, const std::vector<Ref>& inputs,
                    const std::function<void(const std::filesystem::path&)>& change);
    // The snapshot keyed by the vertex digest, empty or over `base`, filled by `fill`
    // and committed; a failure removes the half-built snapshot.
    Ref build_snapshot(const graph::Vertex& vertex, const Ref* base, const std::function<void(Ref&)>& fill);

    RunnerConfig m_config;
    emu::QemuVersions m_qemu_versions;  // named in emulator-fault errors
    registry::HttpTransport m_http;     // ADD <url> downloads
};

} // namespace mab::engine
