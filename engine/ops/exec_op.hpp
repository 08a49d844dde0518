// RUN: a process in the sandbox on a writable snapshot; its output streams to progress.
#pragma once

#include <filesystem>
#include <functional>

#include "engine/graph/op.hpp"
#include "engine/solve/progress.hpp"

namespace mab::engine::ops {

// Runs `op` with `rootfs` (a prepared, writable snapshot) as "/". A non-zero exit
// throws Error(run) worded like buildx: process "/bin/sh -c …" did not complete
// successfully: exit code: N.
// `cancelled` (may be empty) is polled while it runs: true kills the process tree and
// throws Error(cancelled).
void run_exec(const graph::ExecOp& op, const std::filesystem::path& rootfs, const VertexInfo& vertex,
              ProgressSink& progress, const std::function<bool()>& cancelled);

} // namespace mab::engine::ops
