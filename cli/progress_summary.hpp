// The lines plain and tty print after a build: its slowest steps and, per platform,
// the steps that ran under qemu and their total time, so users see where
// cross-compiling (a stage FROM --platform=$BUILDPLATFORM) would pay.
#pragma once

#include <string>

#include "cli/progress_trace.hpp"

namespace mab::cli {

// Empty when no step ran (nothing to rank).
std::string format_summary(const ProgressTrace& trace);

} // namespace mab::cli
