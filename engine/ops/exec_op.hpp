// RUN: a process in the sandbox on a writable snapshot; its output streams to progress.
#pragma once

#include <filesystem>
#include <functional>

#include "emu/qemu_version.hpp"
#include "engine/graph/op.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/run_mounts.hpp"
#include "engine/solve/progress.hpp"

namespace mab::engine::ops {

// What a RUN runs with besides its op.
struct ExecContext {
    // Polled while it runs (may be empty): true kills the process tree.
    std::function<bool()> cancelled;
    // The qemu-user that runs the RUN's binaries; empty when the host runs them.
    std::filesystem::path emulator;
    // Where the emulator's version is looked up when it faults (not null when emulator is set).
    emu::QemuVersions* qemu_versions = nullptr;
    // The op's inputs (0: the base; 1..N: what its mounts read) and what mounts need.
    std::vector<FileOpInput> inputs = {};
    const RunMountConfig* mounts = nullptr;
};

// Runs `op` with `rootfs` (a prepared, writable snapshot) as "/". A non-zero exit
// throws Error(input) worded like buildx: process "/bin/sh -c …" did not complete
// successfully: exit code: N (or: killed by signal N). When the RUN ran under an
// emulator that faulted (emu/emulator_fault.hpp), the same message goes on with the
// emulator fault, naming qemu and its version, as Error(emulation) with a hint.
// Cancellation throws Error(cancelled). The op's mounts (run_mounts.hpp) are made
// before it runs and released after.
void run_exec(const graph::ExecOp& op, const std::filesystem::path& rootfs, const VertexInfo& vertex,
              ProgressSink& progress, const ExecContext& context);

} // namespace mab::engine::ops
