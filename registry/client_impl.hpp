// RegistryClient's state, shared by registry_client.cpp, image_pull.cpp and
// image_push.cpp. Not part of the module's interface.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "registry/blob_locations.hpp"
#include "registry/credentials.hpp"
#include "registry/endpoint.hpp"
#include "registry/http_transport.hpp"
#include "registry/registry_client.hpp"

namespace mab::registry {

// A place to pull a repository from: a mirror or the origin.
struct Source {
    Endpoint* endpoint;
    std::string repository;   // the path on that endpoint
};

struct RegistryClient::Impl {
    Impl(Settings s, oci::ContentStore& st);

    Settings settings;
    oci::ContentStore& store;
    HttpTransport transport;
    CredentialStore credentials;
    BlobLocations locations;

    // The endpoint for `host` (with a mirror's path prefix), made on first use.
    Endpoint& endpoint(const std::string& host, const std::string& prefix = {});
    // Mirrors of ref's registry in order, then the registry itself.
    std::vector<Source> pull_sources(const Reference& ref);
    void notice(const std::string& text) const {
        if (settings.notice) settings.notice(text);
    }

    // Runs f(source) on each source in turn until one succeeds; a failing mirror is
    // reported and skipped, the origin's error is thrown.
    template <typename F>
    auto first_working(const std::vector<Source>& sources, F f) -> decltype(f(sources.front())) {
        for (size_t i = 0;; ++i) {
            try {
                return f(sources[i]);
            } catch (const Error& e) {
                if (i + 1 == sources.size() || e.kind() == ErrorKind::cancelled) throw;
                notice(fmt::format("mirror {} failed, trying the next source: {}", sources[i].endpoint->host(),
                                   e.what()));
            }
        }
    }

    PulledImage resolve_from(const Source& source, const Reference& ref, const oci::Platform& platform);
    PushResult push(const oci::Descriptor& root, const Reference& repository, const std::vector<std::string>& tags,
                    const BlobProgress& progress);

private:
    std::mutex m_mutex;
    std::map<std::string, std::unique_ptr<Endpoint>> m_endpoints;
};

} // namespace mab::registry
