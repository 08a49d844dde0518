// The docker archive that `docker load` and `podman load` read: docker's
// manifest.json next to an OCI layout (the shape docker save writes since v25).
// One platform only: docker's image store holds no manifest lists.
#pragma once

#include <string>
#include <vector>

#include "exporter/image_assembly.hpp"

namespace mab::exporter {

std::string docker_manifest_json(const AssembledImages& images, const std::vector<std::string>& names);

} // namespace mab::exporter
