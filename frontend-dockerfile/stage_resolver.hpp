// Finding stages by the names and indexes that FROM, COPY --from and --target use.
#pragma once

#include <optional>
#include <string>

#include "frontend-dockerfile/parser.hpp"

namespace mab::dockerfile {

// The stage called `name` (case-insensitively) among the stages before `before`, as
// FROM <stage> sees them; nullopt if there is none.
std::optional<int> find_earlier_stage(const ParsedDockerfile& dockerfile, const std::string& name,
                                      int before);

// What COPY --from=<value> names: a stage name (any stage), a stage index, or, when
// neither, an image reference (nullopt). A bad index throws Error(dockerfile).
std::optional<int> find_copy_source_stage(const ParsedDockerfile& dockerfile,
                                          const std::string& value);

// The stage --target names (the last stage when empty). An unknown name throws
// Error(dockerfile) "target stage \"x\" could not be found" with a suggestion.
int find_target_stage(const ParsedDockerfile& dockerfile, const std::string& target);

// Stage names for suggestions.
std::vector<std::string> stage_names(const ParsedDockerfile& dockerfile);

} // namespace mab::dockerfile
