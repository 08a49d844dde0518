// Binds the graph's ops to real work: sources to directories, file ops to snapshots,
// copies and layers. The solver calls run() for each vertex it needs.
//  - ScratchSource: an empty committed snapshot;
//  - LocalSource: the configured directory itself (read in place, never written);
//  - FileOp: a snapshot keyed by the vertex digest, prepared from input 0, with the
//    actions applied (ops/file_op.hpp) and its difference to input 0 as one layer
//    (none when nothing changed).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "engine/solve/solver.hpp"
#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"
#include "snapshotter/native_snapshotter.hpp"

namespace mab::engine {

struct RunnerConfig {
    oci::ContentStore* store = nullptr;
    snapshotter::NativeSnapshotter* snapshots = nullptr;
    snapshotter::LayerOptions layer_options;
    // Local sources by name ("context" -> the build context directory).
    std::map<std::string, std::filesystem::path> local_sources;
};

class Runner : public OpRunner {
public:
    explicit Runner(RunnerConfig config);

    Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs,
            ProgressSink& progress) override;
    bool reports_progress(const graph::Vertex& vertex) const override;

private:
    Ref run_scratch(const graph::Vertex& vertex);
    Ref run_local(const graph::LocalSource& source) const;
    Ref run_file(const graph::Vertex& vertex, const graph::FileOp& op,
                 const std::vector<Ref>& inputs);

    RunnerConfig m_config;
};

} // namespace mab::engine
