// ONBUILD triggers coming due: when a stage starts from an image whose config has
// OnBuild entries, or from an earlier stage with ONBUILD instructions, the triggers run
// as the stage's first instructions (BuildKit's initOnBuildTriggers).
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "frontend-dockerfile/instructions.hpp"

namespace mab::dockerfile {

// Parses each trigger ("COPY . /app", heredoc bodies on the following lines) as a
// Dockerfile of one instruction. The commands are located at the child's FROM (`from`)
// and marked as triggers. A trigger that is not one instruction, or not an allowed
// one, throws Error(dockerfile) at `from`.
std::vector<Command> parse_onbuild_triggers(const std::vector<std::string>& triggers, const SourceSpan& from);

} // namespace mab::dockerfile
