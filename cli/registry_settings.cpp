#include "cli/registry_settings.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <mutex>

namespace mab::cli {

registry::Settings registry_settings(const ConfigFile& config) {
    registry::Settings settings;
    for (const auto& [host, entry] : config.registries) {
        registry::HostSettings& h = settings.hosts[host];
        h.plain_http = entry.http;
        h.skip_tls_verify = entry.insecure;
        h.ca_file = entry.ca;
        h.mirrors = entry.mirrors;
    }
    // Transfers report from several threads: one line at a time.
    settings.notice = [](const std::string& line) {
        static std::mutex mutex;
        std::lock_guard lock(mutex);
        fmt::print(stderr, "WARNING: {}\n", line);
    };
    return settings;
}

} // namespace mab::cli
