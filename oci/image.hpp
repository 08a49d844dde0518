// Image config, manifest and index, with deterministic JSON (RapidJSON): fixed key
// order, no insignificant whitespace, the same bytes for the same values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/digest.hpp"
#include "oci/platform.hpp"

namespace mab::oci {

// Docker's HEALTHCHECK extension: Test is ["NONE"], ["CMD", argv...] or
// ["CMD-SHELL", command]; durations in nanoseconds, 0 meaning "inherit the default".
struct HealthcheckConfig {
    std::vector<std::string> test;
    int64_t interval = 0;
    int64_t timeout = 0;
    int64_t start_period = 0;
    int64_t start_interval = 0;
    int64_t retries = 0;

    bool operator==(const HealthcheckConfig&) const = default;
};

// The "config" object inside an image config (runtime defaults).
struct ContainerConfig {
    std::string user;
    std::vector<std::string> exposed_ports;          // "80/tcp"; kept sorted, unique
    std::vector<std::string> env;                    // "KEY=value", in order of definition
    std::optional<std::vector<std::string>> entrypoint;  // nullopt: not set; {} : set empty
    std::optional<std::vector<std::string>> cmd;
    std::vector<std::string> volumes;                // sorted, unique
    std::string working_dir;
    std::map<std::string, std::string> labels;
    std::string stop_signal;
    std::optional<std::vector<std::string>> shell;   // Docker extension (SHELL)
    std::vector<std::string> on_build;               // Docker extension (ONBUILD)
    std::optional<HealthcheckConfig> healthcheck;    // Docker extension (HEALTHCHECK)
    // Docker extension: BuildKit sets it with every CMD (Windows reads it; kept so the
    // config says what BuildKit's says).
    bool args_escaped = false;

    bool operator==(const ContainerConfig&) const = default;
};

struct HistoryEntry {
    std::string created;      // RFC 3339 UTC, may be empty
    std::string created_by;
    std::string comment;
    bool empty_layer = false;

    bool operator==(const HistoryEntry&) const = default;
};

struct ImageConfig {
    std::string created;      // RFC 3339 UTC, e.g. "1970-01-01T00:00:00Z"; empty: omitted
    std::string author;
    Platform platform;        // architecture, os, variant, os.version
    ContainerConfig config;
    std::vector<Digest> diff_ids;  // rootfs.diff_ids, type "layers"
    std::vector<HistoryEntry> history;

    bool operator==(const ImageConfig&) const = default;
};

struct ImageManifest {
    std::string media_type;   // k_oci_manifest or k_docker_manifest
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;

    bool operator==(const ImageManifest&) const = default;
};

struct ImageIndex {
    std::string media_type;   // k_oci_index or k_docker_manifest_list
    std::vector<Descriptor> manifests;
    std::map<std::string, std::string> annotations;

    bool operator==(const ImageIndex&) const = default;
};

// Compact JSON; every object's keys in byte-wise sorted order (as Go writes maps), empty
// optional members omitted (an engaged but empty Cmd/Entrypoint/Shell is written as []).
std::string to_json(const ImageConfig& config);
std::string to_json(const ImageManifest& manifest);
std::string to_json(const ImageIndex& index);

// Parsers reject wrong types, duplicate keys, documents over 4 MiB and nesting deeper
// than 64 with mab::Error(input) naming `what` (e.g. the blob digest or file).
// Unknown members are ignored and null reads as absent (as Go's decoder does); a
// missing manifest/index mediaType reads as the OCI one.
ImageConfig parse_image_config(std::string_view json, const std::string& what);
ImageManifest parse_image_manifest(std::string_view json, const std::string& what);
ImageIndex parse_image_index(std::string_view json, const std::string& what);

// Formats seconds since the epoch as RFC 3339 UTC ("2024-01-02T03:04:05Z").
std::string format_rfc3339(int64_t unix_seconds);

} // namespace mab::oci
