// Credentials for a registry host, found the way docker finds them: credHelpers[host],
// else credsStore, else config.json "auths". Helpers are run as
// `docker-credential-<name> get` with the server URL on stdin.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "registry/docker_config.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

class CredentialStore {
public:
    using Lookup = std::function<std::optional<Credentials>(const std::string& host)>;

    // With `lookup` set, find() asks it instead of reading `config_file` (save and erase
    // still use the file and its helpers).
    CredentialStore(std::filesystem::path config_file, std::string helper_search_path, Lookup lookup = {});
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

    // The helper save() would use for `host` ("pass" for docker-credential-pass), or
    // empty if it would write config.json (where docker warns the secret is unencrypted).
    std::string save_helper(const std::string& host) const;

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
    Lookup m_lookup;
};

} // namespace mab::registry
