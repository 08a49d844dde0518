// Progress events from the engine. The engine emits; cli/ renders (plain, tty, rawjson).
// Implementations must be thread-safe: vertices may run in parallel, so events for
// different vertices arrive interleaved from several threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "oci/digest.hpp"

namespace mab::engine {

struct VertexInfo {
    oci::Digest digest;
    std::string description;
    // Where the vertex's processes run ("linux/arm64"), set by the runner for the ops
    // that run processes (RUN); empty otherwise.
    std::string platform = {};
    // True when those processes run under qemu-user rather than on the host's CPU.
    bool emulated = false;
};

// Bytes moved for one part of a vertex's work (a layer being pulled), shown like
// buildx's "sha256:… 12.3MB / 45.6MB" lines. The part is done when current == total.
struct TransferProgress {
    std::string id;  // what moves: a blob digest
    uint64_t current = 0;
    uint64_t total = 0;
};

class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    virtual void started(const VertexInfo& vertex) = 0;
    virtual void cached(const VertexInfo& vertex) = 0;
    virtual void finished(const VertexInfo& vertex, double seconds) = 0;
    virtual void failed(const VertexInfo& vertex, double seconds, std::string_view message) = 0;
    // Output of a running vertex (a RUN's stdout/stderr), in chunks that need not end
    // at a line break.
    virtual void log(const VertexInfo& vertex, std::string_view text) = 0;
    // A message not tied to a vertex ("exporting to oci image format").
    virtual void note(std::string_view text) = 0;
    // Sent by the runner once it knows where a started vertex runs: `vertex.platform`
    // and `vertex.emulated` are set (the solver's own events carry neither). Sinks that
    // do not report emulation can ignore it.
    virtual void placed(const VertexInfo& vertex) { (void)vertex; }
    // Bytes moved so far for one part of a running vertex's work (any thread).
    virtual void transfer(const VertexInfo& vertex, const TransferProgress& status) {
        (void)vertex;
        (void)status;
    }
};

// Discards everything (library callers and tests that do not care).
class NullProgress : public ProgressSink {
public:
    void started(const VertexInfo&) override {}
    void cached(const VertexInfo&) override {}
    void finished(const VertexInfo&, double) override {}
    void failed(const VertexInfo&, double, std::string_view) override {}
    void log(const VertexInfo&, std::string_view) override {}
    void note(std::string_view) override {}
};

} // namespace mab::engine
