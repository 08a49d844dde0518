// ARG scoping as the Dockerfile reference defines it: ARGs before the first FROM are
// global and usable in FROM lines; inside a stage an ARG must be declared to be
// visible (a declaration without a default takes the global value); --build-arg
// overrides defaults; the platform ARGs (TARGETPLATFORM, BUILDARCH, …) are predefined
// in the global scope.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "frontend-dockerfile/variables.hpp"

namespace mab::dockerfile {

// The predefined platform ARGs with their values for this request, in a fixed order.
std::vector<std::pair<std::string, std::string>> platform_args(const LowerRequest& request);

// The global scope: platform ARGs (overridable by --build-arg), then each ARG before
// the first FROM, its default expanded with the globals declared before it.
// `declared` is called with each global ARG name.
Variables global_args(const ParsedDockerfile& dockerfile, const LowerRequest& request,
                      const std::function<void(const std::string&)>& declared);

// Build args every Dockerfile may receive without declaring them (BuildKit passes the
// proxy variables to RUN); they are never reported as unused.
bool is_builtin_build_arg(const std::string& name);

} // namespace mab::dockerfile
