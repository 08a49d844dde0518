// Authentication to one registry host: answers its 401 challenges with Basic
// credentials or with a Bearer token from the challenge's realm (scopes for pull and
// push, "token" or "access_token", expires_in), caches tokens per scope set and
// refreshes them before they expire. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "registry/credentials.hpp"
#include "registry/http_transport.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

// A token scope: "repository:<path>:<actions>", actions "pull" or "pull,push".
struct Scope {
    std::string repository;
    std::string actions;
    std::string str() const { return "repository:" + repository + ":" + actions; }
};
using Scopes = std::vector<Scope>;

class Authenticator {
public:
    // `host` names the registry for credentials ("docker.io", "localhost:5000").
    Authenticator(std::string host, const Settings& settings, const HttpTransport& transport,
                  const CredentialStore& credentials);

    // The Authorization header line to send for `scopes`, if one is known.
    std::optional<std::string> header_for(const Scopes& scopes);

    // Deals with a 401 answer to a request for `scopes` that carried `sent` (its
    // Authorization line, if any): reads the challenge and gets a token, or prepares
    // Basic auth; if another thread already did while this request was under way, that
    // is used. Throws Error(registry) when auth cannot work (no credentials, the token
    // server refused them). Messages never hold a secret.
    void on_unauthorized(const HttpResponse& response, const Scopes& scopes, const std::optional<std::string>& sent);

    // The error for a 401 that persists after on_unauthorized: credentials rejected,
    // or not enough access for `scopes`.
    Error refused(const Scopes& scopes) const;

    // Number of tokens fetched so far (tests assert caching with it).
    int tokens_fetched() const;

private:
    struct Token {
        std::string value;
        std::chrono::steady_clock::time_point refresh_at;
    };

    void fetch_token(const std::string& realm, const std::string& service, const Scopes& scopes);
    Error needs_credentials(const Scopes& scopes) const;

    std::string m_host;
    const Settings& m_settings;
    const HttpTransport& m_transport;
    const CredentialStore& m_credentials;

    mutable std::mutex m_mutex;
    enum class Mode { unknown, basic, bearer } m_mode = Mode::unknown;
    std::string m_realm;
    std::string m_service;
    std::map<std::string, Token> m_tokens;   // by scope set
    int m_tokens_fetched = 0;
};

} // namespace mab::registry
