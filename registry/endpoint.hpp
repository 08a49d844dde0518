// One registry host (an origin or a mirror) as the client talks to it: the base URL
// (HTTPS, or HTTP where configured, or where a loopback registry does not speak TLS),
// TLS options, authentication, and retries of 429/5xx answers and broken connections.
// Thread-safe; one per host for the client's lifetime.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "registry/authenticator.hpp"
#include "registry/http_transport.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

struct RegistryRequest {
    std::string method = "GET";
    std::string target;                  // "/v2/..." on this host, or an absolute URL (an upload's Location)
    std::vector<std::string> headers;
    RequestBody body;
    bool follow_redirects = false;
};

enum class Retries { yes, no };

class Endpoint {
public:
    // `host` as references spell it ("docker.io", "localhost:5000"); `path_prefix` is put
    // before repository paths (mirrors "host/prefix"), empty or without slashes at the ends.
    Endpoint(std::string host, std::string path_prefix, const Settings& settings, const HttpTransport& transport,
             const CredentialStore& credentials);

    const std::string& host() const { return m_host; }
    // The repository's path on this host: prefix + "/" + path.
    std::string repository_path(const std::string& path) const;

    // Sends a request authorised for `scopes`. A 401 is answered once (token or Basic);
    // with Retries::yes, 429/5xx answers and retryable transport failures are tried again
    // (the body must be replayable). HTTP errors are returned; transport failures throw.
    HttpResponse send(const RegistryRequest& request, const Scopes& scopes, const BodySink& sink = {},
                      Retries retries = Retries::yes);

    // Throws Error(registry) for a non-2xx answer: "WHAT: 404 Not Found (MANIFEST_UNKNOWN:
    // manifest unknown)"; 401 as the authenticator words it.
    [[noreturn]] void fail(const HttpResponse& response, const std::string& what, const Scopes& scopes) const;

    const Authenticator& authenticator() const { return m_auth; }
    const Settings& settings() const { return m_settings; }

private:
    HttpResponse send_once(const RegistryRequest& request, const Scopes& scopes, const BodySink& sink);
    HttpResponse perform(const RegistryRequest& request, const std::optional<std::string>& auth,
                         const BodySink& sink);
    std::string url_for(const std::string& target, const std::string& scheme) const;

    std::string m_host;
    std::string m_api_host;      // docker.io's API is at registry-1.docker.io
    std::string m_prefix;
    HostSettings m_host_settings;
    const Settings& m_settings;
    const HttpTransport& m_transport;
    Authenticator m_auth;
    std::mutex m_scheme_mutex;
    std::string m_scheme;        // "https" or "http"; empty until known (loopback fallback)
};

// localhost, 127.0.0.0/8 and ::1 (with or without a port): where docker falls back to
// plain HTTP when HTTPS does not answer.
bool is_loopback_host(const std::string& host);

// "404 Not Found (MANIFEST_UNKNOWN: manifest unknown)", from a registry's error body.
std::string describe_status(const HttpResponse& response);

} // namespace mab::registry
