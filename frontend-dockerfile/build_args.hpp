// ARG scoping as the Dockerfile reference defines it: ARGs before the first FROM are
// global and usable in FROM lines; inside a stage an ARG must be declared to be
// visible (a declaration without a default takes the global value); --build-arg
// overrides defaults; the automatic ARGs (BUILDPLATFORM … TARGETVARIANT, TARGETSTAGE,
// BuildKit's defaultArgs) are predefined in the global scope.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "frontend-dockerfile/variables.hpp"

namespace mab::dockerfile {

// The automatic ARGs with their values for this request, in BuildKit's order:
// BUILDPLATFORM, BUILDOS, BUILDOSVERSION, BUILDARCH, BUILDVARIANT, TARGETPLATFORM,
// TARGETOS, TARGETOSVERSION, TARGETARCH, TARGETVARIANT, and TARGETSTAGE (the --target
// as given, else the last stage's name).
std::vector<std::pair<std::string, std::string>> automatic_args(const ParsedDockerfile& dockerfile,
                                                                const LowerRequest& request);

// The global scope: automatic ARGs (overridable by --build-arg), then each ARG before
// the first FROM, its default expanded with the globals declared before it.
// `declared` is called with each global ARG name.
Variables global_args(const ParsedDockerfile& dockerfile, const LowerRequest& request,
                      const std::function<void(const std::string&)>& declared);

// The value a global ARG takes: its --build-arg, else its default expanded with
// `globals` (the automatic and earlier global ARGs); nullopt when it has neither.
std::optional<std::string> global_arg_value(const ArgDeclaration& decl, const LowerRequest& request,
                                            const VariableLookup& globals, char escape);

// The value an ARG declared in a stage takes: its --build-arg, else its default
// expanded with the stage's variables, else the global ARG's value; nullopt when none.
std::optional<std::string> stage_arg_value(const ArgDeclaration& decl, const LowerRequest& request,
                                           const VariableLookup& stage, const Variables& globals, char escape);

// Build args every Dockerfile may receive without declaring them: the automatic ARGs
// and the proxy variables (BuildKit passes those to RUN); they are never reported as
// unused.
bool is_builtin_build_arg(const std::string& name);

// The proxy variables RUN gets from --build-arg without an ARG (BuildKit's
// proxyEnvFromBuildArgs): HTTP_PROXY, HTTPS_PROXY, FTP_PROXY, NO_PROXY and ALL_PROXY,
// named in any case, each set upper- and lower-case; empty values are left out. They
// never reach the image config or, unless declared with ARG, the history.
std::vector<std::pair<std::string, std::string>> proxy_env(const std::map<std::string, std::string>& build_args);

} // namespace mab::dockerfile
