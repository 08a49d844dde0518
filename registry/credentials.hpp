// Credentials for a registry host, found the way docker finds them: credHelpers[host],
// else credsStore, else config.json "auths". Helpers are run as
// `docker-credential-<name> get` with the server URL on stdin.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "registry/docker_config.hpp"

namespace mab::registry {

struct Credentials {
    std::string username;
    std::string secret;
    // Where they came from, for messages: "/root/.docker/config.json" or
    // "docker-credential-pass". Never the username or the secret.
    std::string source;
};

class CredentialStore {
public:
    CredentialStore(std::filesystem::path config_file, std::string helper_search_path);
    // A store that answers every host with `fixed` (checking a login before saving it).
    explicit CredentialStore(Credentials fixed);

    // Credentials for `host` ("docker.io", "localhost:5000"), or nullopt (anonymous).
    // Throws Error(input) for a malformed config.json and Error(registry) if a helper
    // fails for another reason than "not found". Results are cached; thread-safe.
    std::optional<Credentials> find(const std::string& host) const;

    // Saves credentials for `host` where docker would: through the host's helper
    // (credHelpers, else credsStore: `docker-credential-NAME store`), else in the
    // config's "auths". Errors never hold the secret.
    void save(const std::string& host, const std::string& username, const std::string& secret);
    // Removes them (helper `erase`, or the "auths" entry); false if none was stored.
    bool erase(const std::string& host);

    // Where credentials are read from, for hints ("log in or add them to ...").
    std::string describe() const { return m_config_file.string(); }

private:
    std::optional<Credentials> lookup(const std::string& host) const;
    std::optional<Credentials> run_helper(const std::string& helper, const std::string& host) const;
    // The helper that holds `host`'s credentials, or empty for config.json.
    std::string helper_for(const std::string& host) const;
    std::string helper_program(const std::string& helper, const std::string& host) const;
    void forget() const;

    std::filesystem::path m_config_file;
    std::string m_helper_search_path;
    mutable std::mutex m_mutex;
    mutable std::optional<DockerConfig> m_config;
    mutable std::map<std::string, std::optional<Credentials>> m_cache;
    std::optional<Credentials> m_fixed;
};

} // namespace mab::registry
