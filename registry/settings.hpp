// What the caller tells the registry client: per-host transport settings (plain HTTP,
// TLS verification, an extra CA, pull mirrors), where credentials live, retry and
// timeout policy, upload sizes. Plain data: the CLI fills it from mab.yaml and flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mab::registry {

struct Credentials {
    std::string username;
    std::string secret;
    // Where they came from, for messages: "/root/.docker/config.json" or
    // "docker-credential-pass". Never the username or the secret.
    std::string source;
};

// Settings for one registry host, keyed by the host as references spell it
// ("docker.io", "localhost:5000", "reg.example.com"); the same keys as buildkitd.toml's
// [registry."HOST"] tables.
struct HostSettings {
    bool plain_http = false;        // speak HTTP, never HTTPS (buildkitd.toml `http = true`)
    bool skip_tls_verify = false;   // HTTPS without certificate checks (`insecure = true`)
    std::filesystem::path ca_file;  // PEM CA trusted for this host, besides the system's
    // Tried in order before the host itself for pulls (never for pushes): "host[:port]"
    // or "host[:port]/path-prefix"; each mirror's own transport settings are looked up
    // under its host. A failing mirror falls back to the next one, then to the origin.
    std::vector<std::string> mirrors;
};

struct RetryPolicy {
    int max_attempts = 5;                              // tries per request, first included
    std::chrono::milliseconds initial_delay{500};      // doubled after each failure ...
    std::chrono::milliseconds max_delay{10'000};       // ... up to this
    std::chrono::seconds max_retry_after{60};          // longest Retry-After we honour
};

struct Timeouts {
    std::chrono::seconds connect{15};
    // A transfer that moves no byte for this long is abandoned (and retried/resumed).
    std::chrono::seconds stall{30};
};

struct Settings {
    std::map<std::string, HostSettings> hosts;
    // docker's config.json; empty: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
    std::filesystem::path docker_config;
    // Where docker-credential-<helper> programs are looked up; empty: $PATH.
    std::string helper_search_path;
    // If set, asked for a host's credentials instead of reading docker_config and running
    // helpers in this process (the CLI answers from a process outside mab's user
    // namespace, where helpers can reach the user's agents). May be called from several
    // transfer threads; throws like CredentialStore::find.
    std::function<std::optional<Credentials>(const std::string& host)> find_credentials;
    RetryPolicy retry;
    Timeouts timeouts;
    // Blobs larger than this are uploaded in chunks of upload_chunk_size (PATCH).
    int64_t chunked_upload_threshold = 64 << 20;
    int64_t upload_chunk_size = 16 << 20;
    int max_parallel_transfers = 4;                    // blobs fetched or pushed at once
    // Receives one-line notices (HTTP fallback, mirror failures), possibly from several
    // transfer threads at once; may be empty. Never given a credential.
    std::function<void(const std::string&)> notice;
};

// The settings for `host`, or defaults (TLS verified, no mirrors) if it has none.
inline HostSettings settings_for(const Settings& settings, const std::string& host) {
    auto it = settings.hosts.find(host);
    return it == settings.hosts.end() ? HostSettings{} : it->second;
}

} // namespace mab::registry
