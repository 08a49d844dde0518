// A resolved bake target as a `mab build` request: the target's attributes become the
// build flags they mean (-f, --build-arg, -t, -o …), so a bake target is checked and
// defaulted exactly as `mab build` checks and defaults its flags.
#pragma once

#include <string>
#include <vector>

#include "cli/bake_file.hpp"
#include "cli/build_request.hpp"

namespace mab::cli {

// The `mab build` arguments for target `name`; `common` (--push, --load, --no-cache,
// --pull, --progress given to mab bake) apply to every target. The Dockerfile is read
// relative to the context, as buildx reads a bake target's.
std::vector<std::string> bake_build_args(const BakeTarget& target, const std::vector<std::string>& common);

// The request for target `name`; a bad attribute throws Error(usage) naming the target
// and where it is defined.
BuildRequest bake_build_request(const std::string& name, const BakeTarget& target,
                                const std::vector<std::string>& common);

} // namespace mab::cli
