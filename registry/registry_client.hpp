// The registry module's front door: pull images from and push images to OCI/Docker
// registries (distribution API v2), with the content store as the only local storage.
//
//   RegistryClient client(settings, store);            // Settings: registry/settings.hpp
//   PulledImage base = client.resolve_image(ref, platform);   // manifest + config
//   client.fetch_blobs(ref, base.image.layers);               // layers, in parallel
//   PushResult r = client.push_image(index_desc, Reference::parse("reg/app"), {"1", "latest"});
//   ManifestData m = client.inspect(ref);                      // imagetools inspect
//   client.verify_login(host, user, password);                 // mab login, then
//   CredentialStore(config, "").save(host, user, password);    //   (registry/credentials.hpp)
//
// Transport: HTTPS with verified TLS (extra CA, plain HTTP or no verification only for
// hosts configured so; loopback registries fall back to HTTP when TLS is not spoken),
// retries with backoff on 429/5xx/resets, resumable verified downloads. Auth: anonymous,
// Basic, Bearer tokens; credentials from docker's config.json and credential helpers.
// Mirrors (HostSettings::mirrors) serve pulls first. Errors are mab::Error(registry)
// naming the host, repository and digest, and never hold a credential.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oci/content_store.hpp"
#include "oci/descriptor.hpp"
#include "oci/image_layout.hpp"
#include "oci/platform.hpp"
#include "registry/blob_progress.hpp"
#include "registry/reference.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

// A manifest or index as the registry serves it (also put in the content store).
struct ManifestData {
    oci::Descriptor descriptor;   // media type, digest, size
    std::string raw;              // the exact bytes
};

struct PulledImage {
    oci::Descriptor root;         // what the reference named: an index or a manifest
    oci::ResolvedImage image;     // the chosen platform's manifest, config and layers
};

struct PushResult {
    oci::Descriptor root;         // the pushed index or manifest (its digest is the image's)
    int blobs_uploaded = 0;
    int blobs_mounted = 0;        // cross-repository mounts
    int blobs_present = 0;        // already there: skipped
};

class RegistryClient {
public:
    // `settings` are kept for the client's lifetime; `store` must outlive it.
    RegistryClient(Settings settings, oci::ContentStore& store);
    ~RegistryClient();
    RegistryClient(const RegistryClient&) = delete;
    RegistryClient& operator=(const RegistryClient&) = delete;

    // The manifest or index `ref` names, exactly as served (for `imagetools inspect`).
    ManifestData inspect(const Reference& ref);

    // Resolves `ref` for `platform` (containerd's matching rules in an index) and puts
    // the index, manifest and config in the store; layers are listed, not fetched. A
    // reference to a single manifest is returned whatever its platform: compare
    // image.config.platform if that matters.
    PulledImage resolve_image(const Reference& ref, const oci::Platform& platform);

    // Fetches blobs of `ref`'s repository into the store (in parallel, verified); blobs
    // the store has are skipped. `progress` (optional, thread-safe) hears each blob's bytes.
    void fetch_blobs(const Reference& ref, const std::vector<oci::Descriptor>& blobs,
                     const BlobProgress& progress = {});

    // resolve_image, then fetch_blobs of its layers.
    PulledImage pull_image(const Reference& ref, const oci::Platform& platform);

    // Pushes `root` (an index or a manifest in the store) and everything it references to
    // `repository` (its tag and digest are ignored), tagged with each of `tags`, or by
    // digest only if `tags` is empty. Blobs the registry has are skipped, blobs known in
    // another repository of the registry are mounted; child manifests go before the index.
    // `progress` (optional, thread-safe) hears the bytes of each uploaded blob the
    // registry has taken: 0 when its upload starts, then after each chunk and the end.
    PushResult push_image(const oci::Descriptor& root, const Reference& repository,
                          const std::vector<std::string>& tags, const BlobProgress& progress = {});

    // Checks `username`/`secret` against `host` ("docker.io", "localhost:5000") as docker
    // login does: GET /v2/ answered with Basic auth or with a token fetched with them.
    // Throws Error(registry) if they are refused; saves nothing (see
    // CredentialStore::save in registry/credentials.hpp for `mab login`).
    void verify_login(const std::string& host, const std::string& username, const std::string& secret);

    // Tells the client that `repository` holds `digest` (a hint for cross-repository
    // mounts; pulls and pushes record this themselves).
    void note_blob_location(const Reference& repository, const oci::Digest& digest);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mab::registry
