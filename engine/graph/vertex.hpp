// Vertices of the build graph. A vertex's digest is the sha256 of its op's canonical
// text and its inputs' digests: equal digests mean equal work, so the solver runs them
// once (across stages, targets and platforms).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "engine/graph/op.hpp"
#include "oci/digest.hpp"

namespace mab::engine::graph {

// Descriptive data: never part of the digest.
struct VertexMeta {
    std::string description;          // "[stage-0 2/3] COPY a.txt /app/"
    std::optional<SourceSpan> span;   // the Dockerfile lines it came from
    // The stage's name, or its index when it has none ("1"): what --no-cache-filter names.
    std::string stage = {};
};

class Vertex;
using VertexRef = std::shared_ptr<const Vertex>;

class Vertex {
public:
    Vertex(Op op, std::vector<VertexRef> inputs, VertexMeta meta);

    const Op& op() const { return m_op; }
    const std::vector<VertexRef>& inputs() const { return m_inputs; }
    const VertexMeta& meta() const { return m_meta; }
    const oci::Digest& digest() const { return m_digest; }

private:
    Op m_op;
    std::vector<VertexRef> m_inputs;
    VertexMeta m_meta;
    oci::Digest m_digest;
};

// A graph-building value (like BuildKit's llb.State): every method returns a new State.
class State {
public:
    static State scratch();
    static State local(LocalSource source, VertexMeta meta = {});
    static State image(ImageSource source, VertexMeta meta = {});
    static State http(HttpSource source, VertexMeta meta = {});
    static State git(GitSource source, VertexMeta meta = {});

    // Applies `op` to this state (input 0) with `sources` as inputs 1..N.
    State file(FileOp op, const std::vector<State>& sources, VertexMeta meta) const;

    // This state with the layers of each of `layers` stacked on top (COPY --link).
    State merge(const std::vector<State>& layers, VertexMeta meta) const;

    // Runs `op` on this state (RUN) with `mount_sources` as inputs 1..N (what its
    // mounts read); the result is the changed filesystem.
    State exec(ExecOp op, VertexMeta meta, const std::vector<State>& mount_sources = {}) const;

    const VertexRef& vertex() const { return m_vertex; }
    bool is_scratch() const;

private:
    explicit State(VertexRef v) : m_vertex(std::move(v)) {}
    VertexRef m_vertex;
};

// Dumps the graph reachable from `roots` in a stable text form: one line per vertex in
// dependency order, numbered v1, v2, … with inputs by number. Used by golden tests and
// `mab debug graph`.
std::string dump_graph(const std::vector<VertexRef>& roots);

} // namespace mab::engine::graph
