#include "registry/registry_client.hpp"

#include <fmt/format.h>

#include "registry/blob_transfer.hpp"
#include "registry/client_impl.hpp"
#include "registry/docker_config.hpp"
#include "registry/manifests.hpp"
#include "registry/parallel.hpp"
#include "registry/url.hpp"

namespace mab::registry {

RegistryClient::Impl::Impl(Settings s, oci::ContentStore& st)
    : settings(std::move(s)), store(st),
      credentials(settings.docker_config.empty() ? default_docker_config_path() : settings.docker_config,
                  settings.helper_search_path, settings.find_credentials) {}

Endpoint& RegistryClient::Impl::endpoint(const std::string& host, const std::string& prefix) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::unique_ptr<Endpoint>& slot = m_endpoints[host + "/" + prefix];
    if (!slot) slot = std::make_unique<Endpoint>(host, prefix, settings, transport, credentials);
    return *slot;
}

std::vector<Source> RegistryClient::Impl::pull_sources(const Reference& ref) {
    std::vector<Source> sources;
    for (const std::string& mirror : settings_for(settings, ref.domain).mirrors) {
        std::string spec(strip_scheme(mirror));
        while (!spec.empty() && spec.back() == '/') spec.pop_back();
        size_t slash = spec.find('/');
        std::string host = spec.substr(0, slash);
        std::string prefix = slash == std::string::npos ? "" : spec.substr(slash + 1);
        if (host.empty()) continue;
        Endpoint& ep = endpoint(host, prefix);
        sources.push_back({&ep, ep.repository_path(ref.path)});
    }
    sources.push_back({&endpoint(ref.domain), ref.path});
    return sources;
}

RegistryClient::RegistryClient(Settings settings, oci::ContentStore& store)
    : m_impl(std::make_unique<Impl>(std::move(settings), store)) {}

RegistryClient::~RegistryClient() = default;

ManifestData RegistryClient::inspect(const Reference& ref) {
    std::string reference = ref.digest ? ref.digest->str() : ref.tag;
    FetchedManifest fetched = m_impl->first_working(m_impl->pull_sources(ref), [&](const Source& s) {
        return fetch_manifest(*s.endpoint, s.repository, reference, ref.digest);
    });
    m_impl->store.put(fetched.bytes, fetched.descriptor.media_type);
    return {fetched.descriptor, std::move(fetched.bytes)};
}

PulledImage RegistryClient::resolve_image(const Reference& ref, const oci::Platform& platform) {
    return m_impl->first_working(m_impl->pull_sources(ref),
                                 [&](const Source& s) { return m_impl->resolve_from(s, ref, platform); });
}

void RegistryClient::fetch_blobs(const Reference& ref, const std::vector<oci::Descriptor>& blobs,
                                 const BlobProgress& progress) {
    std::vector<Source> sources = m_impl->pull_sources(ref);
    for_each_parallel(blobs, m_impl->settings.max_parallel_transfers, [&](const oci::Descriptor& blob) {
        if (m_impl->store.has(blob.digest)) return;
        m_impl->first_working(sources, [&](const Source& s) {
            download_blob(*s.endpoint, s.repository, blob, m_impl->store, progress);
            m_impl->locations.add(s.endpoint->host(), s.repository, blob.digest);
            return 0;
        });
    });
}

PulledImage RegistryClient::pull_image(const Reference& ref, const oci::Platform& platform) {
    PulledImage pulled = resolve_image(ref, platform);
    fetch_blobs(ref, pulled.image.layers);
    return pulled;
}

PushResult RegistryClient::push_image(const oci::Descriptor& root, const Reference& repository,
                                      const std::vector<std::string>& tags, const BlobProgress& progress) {
    return m_impl->push(root, repository, tags, progress);
}

void RegistryClient::verify_login(const std::string& host, const std::string& username, const std::string& secret) {
    CredentialStore given(Credentials{username, secret, "mab login"});
    Endpoint ep(host, "", m_impl->settings, m_impl->transport, given);
    RegistryRequest request;
    request.target = "/v2/";
    HttpResponse response = ep.send(request, {});
    if (!response.ok()) ep.fail(response, fmt::format("logging in to {}", host), {});
}

void RegistryClient::note_blob_location(const Reference& repository, const oci::Digest& digest) {
    m_impl->locations.add(repository.domain, repository.path, digest);
}

} // namespace mab::registry
