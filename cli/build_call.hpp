// `mab build --call outline|targets`: parse the Dockerfile and report on it, without
// entering the build namespace or building anything.
#pragma once

#include "cli/build_request.hpp"
#include "cli/command.hpp"

namespace mab::cli {

// Prints the report on stdout (parser warnings on stderr); returns the exit code.
int run_build_call(const BuildRequest& request, CommandContext& ctx);

} // namespace mab::cli
