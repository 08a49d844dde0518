#include "cli/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/cache_units.hpp"

namespace mab::cli {

namespace {

const std::vector<std::string> k_known_keys{"snapshotter", "max-parallelism", "qemu-path", "registries", "gc"};
const std::vector<std::string> k_gc_keys{"enabled", "keep-storage", "keep-duration"};
const std::vector<std::string> k_registry_keys{"http", "insecure", "ca", "mirrors"};

Error config_error(const std::filesystem::path& path, const YAML::Mark& mark, const std::string& message) {
    const int line = mark.line + 1;
    // The printer puts "file:line: " before the message.
    return Error(ErrorKind::input, message, SourceSpan{path.string(), line, line});
}

// One absolute directory or a list of them.
std::vector<std::filesystem::path> qemu_dirs(const std::filesystem::path& path, const YAML::Node& node) {
    std::vector<YAML::Node> items;
    if (node.IsScalar()) {
        items.push_back(node);
    } else if (node.IsSequence()) {
        for (const YAML::Node& item : node) items.push_back(item);
    } else {
        throw config_error(path, node.Mark(), "qemu-path: expected a directory or a list of directories");
    }
    std::vector<std::filesystem::path> dirs;
    for (const YAML::Node& item : items) {
        if (!item.IsScalar() || item.as<std::string>().empty() || item.as<std::string>()[0] != '/')
            throw config_error(path, item.Mark(), "qemu-path: expected absolute directories");
        dirs.emplace_back(item.as<std::string>());
    }
    return dirs;
}

bool boolean(const std::filesystem::path& path, const std::string& what, const YAML::Node& node) {
    if (node.IsScalar()) {
        const std::string v = node.as<std::string>();
        if (v == "true") return true;
        if (v == "false") return false;
    }
    throw config_error(path, node.Mark(), what + ": expected true or false");
}

std::map<std::string, RegistryConfig> registries(const std::filesystem::path& path, const YAML::Node& node) {
    if (!node.IsMap()) throw config_error(path, node.Mark(), "registries: expected a mapping of registry hosts");
    std::map<std::string, RegistryConfig> out;
    for (const auto& host_item : node) {
        const std::string host = host_item.first.as<std::string>();
        const YAML::Node& settings = host_item.second;
        if (host.empty() || host.find('/') != std::string::npos)
            throw config_error(path, host_item.first.Mark(),
                               "registries: \"" + host + "\" is not a registry host (host[:port])");
        if (!settings.IsMap())
            throw config_error(path, settings.Mark(), "registries: " + host + ": expected a mapping of settings");
        RegistryConfig config;
        for (const auto& item : settings) {
            const std::string key = item.first.as<std::string>();
            const std::string what = "registries: " + host + ": " + key;
            if (key == "http") {
                config.http = boolean(path, what, item.second);
            } else if (key == "insecure") {
                config.insecure = boolean(path, what, item.second);
            } else if (key == "ca") {
                if (!item.second.IsScalar() || item.second.as<std::string>().empty() ||
                    item.second.as<std::string>()[0] != '/')
                    throw config_error(path, item.second.Mark(), what + ": expected the absolute path of a PEM file");
                config.ca = item.second.as<std::string>();
            } else if (key == "mirrors") {
                if (!item.second.IsSequence())
                    throw config_error(path, item.second.Mark(), what + ": expected a list of hosts");
                for (const YAML::Node& mirror : item.second) {
                    if (!mirror.IsScalar() || mirror.as<std::string>().empty())
                        throw config_error(path, mirror.Mark(), what + ": expected host[:port][/prefix] entries");
                    config.mirrors.push_back(mirror.as<std::string>());
                }
            } else {
                throw config_error(path, item.first.Mark(),
                                   fmt::format("unknown registry setting \"{}\"{}", key,
                                               did_you_mean(key, k_registry_keys)));
            }
        }
        out[host] = std::move(config);
    }
    return out;
}

GcConfig gc_settings(const std::filesystem::path& path, const YAML::Node& node) {
    if (!node.IsMap()) throw config_error(path, node.Mark(), "gc: expected a mapping of settings");
    GcConfig gc;
    for (const auto& item : node) {
        const std::string key = item.first.as<std::string>();
        const std::string value = item.second.IsScalar() ? item.second.as<std::string>() : std::string();
        if (key == "enabled") {
            gc.enabled = boolean(path, "gc: enabled", item.second);
        } else if (key == "keep-storage") {
            if (!value.empty() && value.back() == '%') {
                const std::string number = value.substr(0, value.size() - 1);
                const std::optional<int64_t> percent =
                    number.find_first_not_of("0123456789") == std::string::npos ? parse_size(number) : std::nullopt;
                if (!percent || *percent > 100)
                    throw config_error(path, item.second.Mark(), "gc: keep-storage: expected a whole percentage from 0% to 100%");
                gc.keep_storage_percent = static_cast<double>(*percent);
            } else if (const std::optional<int64_t> bytes = parse_size(value)) {
                gc.keep_storage_bytes = *bytes;
            } else {
                throw config_error(path, item.second.Mark(),
                                   "gc: keep-storage: expected a size (512MB, 10GB, bytes) or a percentage (10%)");
            }
        } else if (key == "keep-duration") {
            const std::optional<int64_t> seconds = parse_duration(value);
            if (!seconds)
                throw config_error(path, item.second.Mark(), "gc: keep-duration: expected a duration (48h, 90m, 1440h)");
            gc.keep_duration = *seconds;
        } else {
            throw config_error(path, item.first.Mark(),
                               fmt::format("unknown gc setting \"{}\"{}", key, did_you_mean(key, k_gc_keys)));
        }
    }
    return gc;
}

} // namespace

std::filesystem::path config_file_path() {
    if (const char* env = std::getenv("MAB_CONFIG"); env && *env) return env;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "mab" / "mab.yaml";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".config" / "mab" / "mab.yaml";
    return {};
}

ConfigFile load_config_file(const std::filesystem::path& path) {
    ConfigFile config;
    config.path = path;
    if (path.empty()) return config;
    std::ifstream in(path);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return config;
        throw Error(ErrorKind::input, fmt::format("cannot read {}", path.string()));
    }
    YAML::Node root;
    try {
        root = YAML::Load(in);
    } catch (const YAML::Exception& e) {
        throw config_error(path, e.mark, e.msg);
    }
    if (root.IsNull()) return config;
    if (!root.IsMap()) throw config_error(path, root.Mark(), "expected a mapping of settings (key: value)");
    for (const auto& item : root) {
        const std::string key = item.first.as<std::string>();
        if (key == "snapshotter") {
            if (!item.second.IsScalar()) throw config_error(path, item.second.Mark(), "snapshotter: expected a name");
            config.snapshotter = ConfigValue{item.second.as<std::string>(),
                                             fmt::format("{}:{}", path.string(), item.second.Mark().line + 1)};
            continue;
        }
        if (key == "max-parallelism") {
            if (!item.second.IsScalar())
                throw config_error(path, item.second.Mark(), "max-parallelism: expected a number");
            config.max_parallelism = ConfigValue{item.second.as<std::string>(),
                                                 fmt::format("{}:{}", path.string(), item.second.Mark().line + 1)};
            continue;
        }
        if (key == "qemu-path") {
            config.qemu_path = qemu_dirs(path, item.second);
            continue;
        }
        if (key == "registries") {
            config.registries = registries(path, item.second);
            continue;
        }
        if (key == "gc") {
            config.gc = gc_settings(path, item.second);
            continue;
        }
        throw config_error(path, item.first.Mark(),
                           fmt::format("unknown setting \"{}\"{}", key, did_you_mean(key, k_known_keys)));
    }
    return config;
}

} // namespace mab::cli
