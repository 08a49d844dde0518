// docker's ~/.docker/config.json, the parts that say where registry credentials are:
// "auths" (base64 "auth" or "username"/"password"), "credsStore" and "credHelpers".
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace mab::registry {

struct DockerConfig {
    struct Auth {
        std::string username;
        std::string password;
    };
    std::filesystem::path path;                         // where it was read from
    std::map<std::string, Auth> auths;                  // keys as written ("https://index.docker.io/v1/")
    std::string creds_store;                            // "pass" -> docker-credential-pass
    std::map<std::string, std::string> cred_helpers;    // host -> helper suffix
};

// $DOCKER_CONFIG/config.json if DOCKER_CONFIG is set, else $HOME/.docker/config.json.
std::filesystem::path default_docker_config_path();

// Reads `path`; a missing file is an empty config. A malformed one throws Error(input)
// naming the file and the member, never a value.
DockerConfig read_docker_config(const std::filesystem::path& path);

// Sets (or, with nullopt, removes) the "auths" entry `key` of the config at `path` as
// docker login does: base64 "auth", every other member kept, the file written
// atomically with mode 0600 (created, with its directory, if missing). Returns whether
// an entry was there before.
bool write_docker_config_auth(const std::filesystem::path& path, const std::string& key,
                              const std::optional<DockerConfig::Auth>& auth);

// docker's key for a registry host: "https://index.docker.io/v1/" for docker.io, the
// host itself otherwise. Used in config.json and as a helper's server URL.
std::string docker_config_key(const std::string& host);

// The host part of a config.json key: "https://reg:5000/v1/" -> "reg:5000".
std::string host_of_config_key(const std::string& key);

} // namespace mab::registry
