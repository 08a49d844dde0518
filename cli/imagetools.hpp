// `mab imagetools`: images in registries, as buildx's imagetools reads and writes them.
// imagetools_inspect.cpp shows a manifest or index; imagetools_create.cpp merges images
// and indexes into one index and pushes it.
#pragma once

#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/storage_root.hpp"
#include "oci/content_store.hpp"
#include "registry/registry_client.hpp"

namespace mab::cli {

// A registry client on the storage root's content store (manifests and configs it
// fetches are kept there), with the command's registry settings.
struct RegistrySession {
    explicit RegistrySession(const CommandContext& ctx);

    StorageRoot storage;
    oci::ContentStore store;
    registry::RegistryClient client;
};

int run_imagetools_inspect(const std::vector<std::string>& args, CommandContext& ctx);
int run_imagetools_create(const std::vector<std::string>& args, CommandContext& ctx);

} // namespace mab::cli
