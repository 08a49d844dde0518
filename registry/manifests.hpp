// Manifests and indexes on a registry: GET with content negotiation (OCI index, Docker
// manifest list, OCI manifest, Docker v2 schema 2 manifest), verified against the
// digest asked for or announced; PUT with the document's media type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oci/descriptor.hpp"
#include "registry/endpoint.hpp"

namespace mab::registry {

struct FetchedManifest {
    oci::Descriptor descriptor;   // media type, digest and size of `bytes`
    std::string bytes;
};

// True for the OCI index and the Docker manifest list.
bool is_index_media_type(std::string_view media_type);

// GET /v2/<repository>/manifests/<reference> (a tag or a digest). If `expected` is
// given the bytes must hash to it; a Docker-Content-Digest header must match too.
// Errors name the host, repository and reference.
FetchedManifest fetch_manifest(Endpoint& endpoint, const std::string& repository, const std::string& reference,
                               const std::optional<oci::Digest>& expected);

// PUT /v2/<repository>/manifests/<reference> (a tag, or the digest for push-by-digest).
void put_manifest(Endpoint& endpoint, const std::string& repository, const std::string& reference,
                  const oci::Descriptor& descriptor, const std::string& bytes);

} // namespace mab::registry
