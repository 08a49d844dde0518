// Finding stages by the names and indexes that FROM, COPY --from and --target use, and
// the checks BuildKit makes on the stage graph before it builds anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend-dockerfile/parser.hpp"

namespace mab::dockerfile {

// The stage FROM <name> uses: the last one named exactly `name` (stage names are
// lower-case, and BuildKit does not fold the case of FROM's word) among the stages
// before `before`; nullopt if there is none (the word then names an image).
std::optional<int> find_earlier_stage(const ParsedDockerfile& dockerfile, const std::string& name,
                                      int before);

// What COPY --from=<value> names: a stage index (a decimal number as Go's strconv.Atoi
// reads it, sign included) or a stage name (the last stage so named, in the whole file,
// case-insensitively); nullopt
// when neither, i.e. an image reference. An index out of range throws
// Error(dockerfile) "invalid stage index N".
std::optional<int> find_copy_source_stage(const ParsedDockerfile& dockerfile,
                                          const std::string& value);

// The stage --target names (the last stage when empty). An unknown name throws
// Error(dockerfile) "target stage \"x\" could not be found" with a suggestion.
int find_target_stage(const ParsedDockerfile& dockerfile, const std::string& target);

// Checks the COPY --from references of every stage, reachable or not, as BuildKit does
// before building: a bad index throws, and so does a cycle ("circular dependency
// detected on stage: NAME", located at the first COPY on the cycle).
void check_stage_dependencies(const ParsedDockerfile& dockerfile);

// Stage names for suggestions.
std::vector<std::string> stage_names(const ParsedDockerfile& dockerfile);

} // namespace mab::dockerfile
