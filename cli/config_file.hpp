// mab.yaml: settings for every build of one user, like buildkitd.toml is for a builder.
// Looked up at $MAB_CONFIG, else $XDG_CONFIG_HOME/mab/mab.yaml, else
// ~/.config/mab/mab.yaml; a missing file means all defaults. Keys mab does not know are
// errors (naming the file and line), so a typo never silently changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mab::cli {

// One registry host's settings (registry::HostSettings, as written in the file).
struct RegistryConfig {
    bool http = false;                // plain HTTP, never HTTPS
    bool insecure = false;            // HTTPS without certificate checks
    std::filesystem::path ca;         // an extra CA (PEM) for this host
    std::vector<std::string> mirrors;  // pull mirrors, tried in order before the host
};

// gc: automatic garbage collection after each build (cli/cache_gc.hpp has the defaults).
//   gc:
//     enabled: true          # false: builds never remove anything
//     keep-storage: 10GB     # or 10% (of the filesystem holding the storage root)
//     keep-duration: 1440h   # entries unused for longer go even below keep-storage
struct GcConfig {
    bool enabled = true;
    std::optional<int64_t> keep_storage_bytes;
    std::optional<double> keep_storage_percent;
    std::optional<int64_t> keep_duration;  // seconds
};

// A value and where it was set, for errors about it.
struct ConfigValue {
    std::string value;
    std::string origin;  // "/home/u/.config/mab/mab.yaml:3"
};

struct ConfigFile {
    std::filesystem::path path;              // where it was looked for
    std::optional<ConfigValue> snapshotter;  // snapshotter: auto | overlay | native
    std::optional<ConfigValue> max_parallelism;  // max-parallelism: N (steps run at once)
    // qemu-path: DIR or [DIR, ...]: where static qemu-<arch>(-static) binaries are
    // looked for before the usual places (emu/qemu_locator.hpp).
    std::vector<std::filesystem::path> qemu_path;
    // registries: per host, as buildkitd.toml's [registry."HOST"] tables:
    //   registries:
    //     docker.io: {mirrors: ["mirror.example:5000"]}
    //     mirror.example:5000: {http: true}
    //     reg.example: {ca: /etc/ssl/reg-ca.pem}      # or insecure: true (no TLS checks)
    std::map<std::string, RegistryConfig> registries;
    GcConfig gc;
};

std::filesystem::path config_file_path();

// Reads `path` (config_file_path() by default). Throws Error(input) with the file and
// line for YAML it cannot read or keys it does not know.
ConfigFile load_config_file(const std::filesystem::path& path = config_file_path());

} // namespace mab::cli
