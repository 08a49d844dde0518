// registry::Settings for a command: registry hosts from mab.yaml (none yet: the lead's
// `registries:` key fills them) and docker's config file for credentials.
#pragma once

#include "cli/config_file.hpp"
#include "registry/settings.hpp"

namespace mab::cli {

// Defaults plus what `config` says; credentials come from $DOCKER_CONFIG/config.json,
// else ~/.docker/config.json. `notice` is left for the caller to route.
registry::Settings registry_settings(const ConfigFile& config);

} // namespace mab::cli
