// Where a build's base images come from, for lowering (FROM NAME -> an image for a
// platform) and for the engine (the layer blobs of an image it unpacks):
//  - --build-context NAME=oci-layout://DIR[:TAG|@DIGEST]: a local OCI layout;
//  - --build-context NAME=docker-image://REF: FROM NAME means image REF;
//  - any other name: a registry reference ("busybox" -> docker.io/library/busybox:latest).
// A tag is resolved once per build: every platform sees the same index.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/build_request.hpp"
#include "cli/progress_printer.hpp"
#include "oci/content_store.hpp"
#include "oci/image_layout.hpp"
#include "registry/reference.hpp"
#include "registry/registry_client.hpp"

namespace mab::cli {

class ImageSources {
public:
    ImageSources(const std::map<std::string, ImageContext>& contexts, registry::Settings settings,
                 oci::ContentStore& store, ProgressPrinter& progress);

    // The image FROM `name` means, for `platform`. Throws Error(registry / input) naming
    // the reference when it cannot be resolved.
    oci::ResolvedImage resolve(const std::string& name, const oci::Platform& platform);

    // Puts `blobs` of the image whose manifest is `manifest` (resolved by this object)
    // into the store, verified; `on_bytes` (optional) hears each blob's bytes.
    void fetch(const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs,
               const registry::BlobProgress& on_bytes = {});

    // The registry client (made on first use), for pushes that may mount pulled blobs.
    registry::RegistryClient& client();

private:
    oci::ResolvedImage resolve_in_registry(const std::string& ref_text, const oci::Platform& platform);

    std::map<std::string, ImageContext> m_contexts;
    std::map<std::string, oci::ImageLayout> m_layouts;  // by context name
    registry::Settings m_settings;
    oci::ContentStore& m_store;
    ProgressPrinter& m_progress;
    std::unique_ptr<registry::RegistryClient> m_client;
    std::mutex m_mutex;
    // A tag resolved once: the reference pinned to the digest it named.
    std::map<std::string, registry::Reference> m_pinned;
    // Where each resolved manifest's blobs come from.
    std::map<oci::Digest, const oci::ImageLayout*> m_from_layout;
    std::map<oci::Digest, registry::Reference> m_from_registry;
};

} // namespace mab::cli
