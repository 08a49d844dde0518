// The registry client's settings for a command: mab.yaml's `registries:` (per-host
// transport and mirrors), docker's config.json for credentials, and notices printed as
// warnings.
#pragma once

#include "cli/config_file.hpp"
#include "registry/settings.hpp"

namespace mab::cli {

registry::Settings registry_settings(const ConfigFile& config);

} // namespace mab::cli
