#include "cli/registry_settings.hpp"

#include "registry/docker_config.hpp"

namespace mab::cli {

registry::Settings registry_settings(const ConfigFile&) {
    registry::Settings settings;
    settings.docker_config = registry::default_docker_config_path();
    return settings;
}

} // namespace mab::cli
