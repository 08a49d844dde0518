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
//  - MergeOp: a snapshot over input 0 with the layers of inputs 1..N applied, reused as
//    they are (COPY --link).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emu/qemu_version.hpp"
#include "engine/cache/record_store.hpp"
#include "engine/ops/cache_keys.hpp"
#include "engine/ops/run_mounts.hpp"
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
    // once per base image the build unpacks; `on_bytes` (thread-safe) hears each blob's
    // bytes as they arrive. Empty: base images are unavailable.
    std::function<void(const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs,
                       const std::function<void(const oci::Descriptor& blob, uint64_t done)>& on_bytes)>
        fetch_image_blobs = {};
    // Called before a RUN for its platform: makes emulation ready and returns the qemu
    // that will run the RUN's binaries (empty when the host runs them natively), or
    // throws Error(emulation) saying what is missing. Empty: only native RUNs are possible.
    std::function<std::filesystem::path(const oci::Platform&)> prepare_platform = {};
    // What RUN --mount needs: the cache root, scratch space, secrets and ssh agents.
    ops::RunMountConfig run_mounts = {};
    // True once the build should stop (Ctrl-C); checked before each op and while a RUN runs.
    std::function<bool()> cancelled = {};
    // The persistent cache: records by key (null: no cache) and the keys. With
    // `use_cache` false (--no-cache) records are written but never read.
    const cache::RecordStore* records = nullptr;
    ops::CacheKeys* cache_keys = nullptr;
    bool use_cache = true;
    // --no-cache-filter: stages (VertexMeta::stage) whose steps, and every step built on
    // them, read no record.
    std::set<std::string> no_cache_stages = {};
};

class Runner : public OpRunner {
public:
    explicit Runner(RunnerConfig config);

    // Once `stopping` (another vertex failed) or RunnerConfig::cancelled holds, a RUN
    // is killed and an op not yet started refuses to (Error(cancelled)), as on Ctrl-C.
    Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink& progress,
            const std::atomic<bool>& stopping) override;
    bool reports_progress(const graph::Vertex& vertex) const override;
    std::optional<Ref> cached(const graph::Vertex& vertex) override;

    // The cache keys of the vertices `roots` need that make cache records: all of them,
    // or with `final_only` those on each root's input-0 chain (the final stage's steps,
    // --cache-to mode=min). Each key once, in no particular order.
    std::vector<oci::Digest> cache_keys_for(const std::vector<graph::VertexRef>& roots, bool final_only);

    // `ref` with its files in a snapshot: a lazy cache hit gets one built from its layers
    // (once per build); any other ref is returned as it is. Thread-safe.
    Ref materialize(const Ref& ref);

private:
    bool cancelled(const std::atomic<bool>& stopping) const;

    Ref run_op(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink& progress,
               const std::atomic<bool>& stopping);
    Ref run_scratch(const graph::Vertex& vertex);
    Ref run_local(const graph::LocalSource& source) const;
    Ref run_image(const graph::Vertex& vertex, const graph::ImageSource& image, ProgressSink& progress);
    Ref run_http(const graph::Vertex& vertex, const graph::HttpSource& source);
    Ref run_git(const graph::Vertex& vertex, const graph::GitSource& source);
    // Input 0's tree with the other inputs' layers applied on top, their blobs reused.
    Ref run_merge(const graph::Vertex& vertex, const std::vector<Ref>& inputs);
    Ref run_file(const graph::Vertex& vertex, const graph::FileOp& op,
                 const std::vector<Ref>& inputs);
    // The vertex's inputs as file ops and RUN mounts read them.
    std::vector<ops::FileOpInput> op_inputs(const graph::Vertex& vertex, const std::vector<Ref>& inputs) const;
    // A new snapshot over input 0, changed by `change`, diffed into a layer.
    Ref run_on_snapshot(const graph::Vertex& vertex, const std::vector<Ref>& inputs,
                    const std::function<void(const std::filesystem::path&)>& change);
    // The snapshot keyed by the vertex digest, empty or over `base`, filled by `fill`
    // and committed; a failure removes the half-built snapshot.
    Ref build_snapshot(const graph::Vertex& vertex, const Ref* base, const std::function<void(Ref&)>& fill);
    // The same for any snapshot key (a lazy cache hit's files: "c" + its cache key).
    Ref build_snapshot_keyed(const std::string& key, const Ref* base, const std::function<void(Ref&)>& fill);

    // Whether --no-cache-filter reaches the vertex (its stage, or an input's).
    bool cache_filtered(const graph::Vertex& vertex);
    // Writes the cache record of a vertex that ran, if it has a key.
    void record(const graph::Vertex& vertex, const Ref& ref);

    RunnerConfig m_config;
    std::mutex m_materialized_mutex;
    std::map<std::string, std::shared_future<Ref>> m_materialized;  // by the cache key of lazy refs
    std::mutex m_filtered_mutex;
    std::map<oci::Digest, bool> m_filtered;     // cache_filtered's answers
    emu::QemuVersions m_qemu_versions;  // named in emulator-fault errors
    registry::HttpTransport m_http;     // ADD <url> downloads
};

} // namespace mab::engine
