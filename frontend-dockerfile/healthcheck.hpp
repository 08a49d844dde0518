// HEALTHCHECK: its flags and forms read as BuildKit's instructions.parseHealthcheck
// does, and its history text as BuildKit prints it.
#pragma once

#include <string>

#include "frontend-dockerfile/instructions.hpp"
#include "oci/image.hpp"

namespace mab::dockerfile {

struct RawInstruction;  // parser.hpp

// "HEALTHCHECK NONE" (no arguments; flags are not read, as BuildKit ignores them) or
// "HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D]
// [--retries=N] CMD command" (shell form: ["CMD-SHELL", "command"]; JSON form:
// ["CMD", argv...]). Throws Error(dockerfile) with BuildKit's messages.
HealthcheckInstruction parse_healthcheck(const RawInstruction& raw);

// BuildKit's history entry: fmt's %+v of the config,
// "HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/] Interval:5m0s Timeout:3s StartPeriod:0s StartInterval:0s Retries:3}".
std::string healthcheck_history(const oci::HealthcheckConfig& health);

} // namespace mab::dockerfile
