// The --metadata-file JSON, with buildx's keys (containerimage.digest, …) and mab's
// solve counters (mab.vertices.executed / .cached) for scripts and tests.
#pragma once

#include <string>

#include "cli/build_request.hpp"

namespace mab::cli {

std::string metadata_json(const BuildOutcome& outcome);

} // namespace mab::cli
