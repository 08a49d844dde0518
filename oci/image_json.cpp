// Image config, manifest and index JSON (image-spec config.md, manifest.md,
// image-index.md, plus Docker's config extensions and media types).
//
// Key order: every object's keys are written in byte-wise sorted order (what Go's
// encoding/json gives maps), optional members are left out when empty, so equal values
// always give equal bytes. Parsing goes through json::Document (size, depth and
// duplicate-key checks) and reads only the members below.
#include <time.h>

#include <fmt/format.h>

#include "base/error.hpp"
#include "oci/image.hpp"
#include "oci/json.hpp"
#include "oci/media_types.hpp"

namespace mab::oci {

namespace {

using json::Node;

void write_platform(json::Writer& out, const Platform& p) {
    out.begin_object();
    out.member("architecture", p.architecture);
    out.member("os", p.os);
    if (!p.os_features.empty()) {
        out.key("os.features");
        out.string_array(p.os_features);
    }
    out.member_if("os.version", p.os_version);
    out.member_if("variant", p.variant);
    out.end_object();
}

void write_descriptor(json::Writer& out, const Descriptor& d) {
    out.begin_object();
    if (!d.annotations.empty()) {
        out.key("annotations");
        out.string_map(d.annotations);
    }
    out.member("digest", d.digest.str());
    out.member("mediaType", d.media_type);
    if (d.platform) {
        out.key("platform");
        write_platform(out, *d.platform);
    }
    out.key("size");
    out.int64(d.size);
    out.end_object();
}

// Go's omitempty: zero durations and counts, and an empty Test, are left out.
void write_healthcheck(json::Writer& out, const HealthcheckConfig& h) {
    auto nonzero = [&out](std::string_view key, int64_t value) {
        if (value == 0) return;
        out.key(key);
        out.int64(value);
    };
    out.begin_object();
    nonzero("Interval", h.interval);
    nonzero("Retries", h.retries);
    nonzero("StartInterval", h.start_interval);
    nonzero("StartPeriod", h.start_period);
    if (!h.test.empty()) {
        out.key("Test");
        out.string_array(h.test);
    }
    nonzero("Timeout", h.timeout);
    out.end_object();
}

void write_container_config(json::Writer& out, const ContainerConfig& c) {
    auto optional_array = [&out](std::string_view key,
                                 const std::optional<std::vector<std::string>>& items) {
        if (!items) return;
        out.key(key);
        out.string_array(*items);
    };
    out.begin_object();
    if (c.args_escaped) {
        out.key("ArgsEscaped");
        out.boolean(true);
    }
    optional_array("Cmd", c.cmd);
    optional_array("Entrypoint", c.entrypoint);
    if (!c.env.empty()) {
        out.key("Env");
        out.string_array(c.env);
    }
    if (!c.exposed_ports.empty()) {
        out.key("ExposedPorts");
        out.set(c.exposed_ports);
    }
    if (c.healthcheck) {
        out.key("Healthcheck");
        write_healthcheck(out, *c.healthcheck);
    }
    if (!c.labels.empty()) {
        out.key("Labels");
        out.string_map(c.labels);
    }
    if (!c.on_build.empty()) {
        out.key("OnBuild");
        out.string_array(c.on_build);
    }
    optional_array("Shell", c.shell);
    out.member_if("StopSignal", c.stop_signal);
    out.member_if("User", c.user);
    if (!c.volumes.empty()) {
        out.key("Volumes");
        out.set(c.volumes);
    }
    out.member_if("WorkingDir", c.working_dir);
    out.end_object();
}

void write_history(json::Writer& out, const HistoryEntry& h) {
    out.begin_object();
    out.member_if("comment", h.comment);
    out.member_if("created", h.created);
    out.member_if("created_by", h.created_by);
    if (h.empty_layer) {
        out.key("empty_layer");
        out.boolean(true);
    }
    out.end_object();
}

Platform read_platform(const Node& node) {
    Platform p;
    p.architecture = node.require("architecture").str();
    p.os = node.require("os").str();
    p.os_version = node.string_or_empty("os.version");
    p.os_features = node.optional_strings("os.features").value_or(std::vector<std::string>{});
    p.variant = node.string_or_empty("variant");
    return p;
}

Descriptor read_descriptor(const Node& node) {
    Descriptor d;
    d.media_type = node.require("mediaType").str();
    d.digest = node.require("digest").digest();
    Node size = node.require("size");
    d.size = size.int64();
    if (d.size < 0) size.fail("must not be negative");
    if (std::optional<Node> platform = node.get("platform")) d.platform = read_platform(*platform);
    if (std::optional<Node> annotations = node.get("annotations")) {
        d.annotations = annotations->string_map();
    }
    return d;
}

HealthcheckConfig read_healthcheck(const Node& node) {
    auto number = [&node](std::string_view key) -> int64_t {
        std::optional<Node> value = node.get(key);
        return value ? value->int64() : 0;
    };
    HealthcheckConfig h;
    h.test = node.optional_strings("Test").value_or(std::vector<std::string>{});
    h.interval = number("Interval");
    h.timeout = number("Timeout");
    h.start_period = number("StartPeriod");
    h.start_interval = number("StartInterval");
    h.retries = number("Retries");
    return h;
}

ContainerConfig read_container_config(const Node& node) {
    ContainerConfig c;
    if (std::optional<Node> escaped = node.get("ArgsEscaped")) c.args_escaped = escaped->boolean();
    if (std::optional<Node> health = node.get("Healthcheck")) c.healthcheck = read_healthcheck(*health);
    c.cmd = node.optional_strings("Cmd");
    c.entrypoint = node.optional_strings("Entrypoint");
    c.shell = node.optional_strings("Shell");
    c.env = node.optional_strings("Env").value_or(std::vector<std::string>{});
    c.on_build = node.optional_strings("OnBuild").value_or(std::vector<std::string>{});
    if (std::optional<Node> ports = node.get("ExposedPorts")) c.exposed_ports = ports->set();
    if (std::optional<Node> volumes = node.get("Volumes")) c.volumes = volumes->set();
    if (std::optional<Node> labels = node.get("Labels")) c.labels = labels->string_map();
    c.stop_signal = node.string_or_empty("StopSignal");
    c.user = node.string_or_empty("User");
    c.working_dir = node.string_or_empty("WorkingDir");
    return c;
}

HistoryEntry read_history(const Node& node) {
    HistoryEntry h;
    h.comment = node.string_or_empty("comment");
    h.created = node.string_or_empty("created");
    h.created_by = node.string_or_empty("created_by");
    if (std::optional<Node> empty = node.get("empty_layer")) h.empty_layer = empty->boolean();
    return h;
}

void require_schema_version_2(const Node& root) {
    Node version = root.require("schemaVersion");
    if (version.int64() != 2) version.fail("must be 2");
}

// The document's mediaType, which must be the OCI or the Docker one; the OCI one if
// absent (OCI makes the member optional).
std::string read_media_type(const Node& root, std::string_view oci, std::string_view docker) {
    std::optional<Node> node = root.get("mediaType");
    if (!node) return std::string(oci);
    std::string media_type = node->str();
    if (media_type != oci && media_type != docker) {
        node->fail(fmt::format("is \"{}\", expected \"{}\" or \"{}\"", media_type, oci, docker));
    }
    return media_type;
}

} // namespace

std::string to_json(const ImageConfig& config) {
    json::Writer out;
    out.begin_object();
    out.member("architecture", config.platform.architecture);
    out.member_if("author", config.author);
    out.key("config");
    write_container_config(out, config.config);
    out.member_if("created", config.created);
    if (!config.history.empty()) {
        out.key("history");
        out.begin_array();
        for (const HistoryEntry& h : config.history) write_history(out, h);
        out.end_array();
    }
    out.member("os", config.platform.os);
    out.member_if("os.version", config.platform.os_version);
    out.key("rootfs");
    out.begin_object();
    out.key("diff_ids");
    out.begin_array();
    for (const Digest& d : config.diff_ids) out.string(d.str());
    out.end_array();
    out.member("type", "layers");
    out.end_object();
    out.member_if("variant", config.platform.variant);
    out.end_object();
    return out.take();
}

std::string to_json(const ImageManifest& manifest) {
    json::Writer out;
    out.begin_object();
    if (!manifest.annotations.empty()) {
        out.key("annotations");
        out.string_map(manifest.annotations);
    }
    out.key("config");
    write_descriptor(out, manifest.config);
    out.key("layers");
    out.begin_array();
    for (const Descriptor& layer : manifest.layers) write_descriptor(out, layer);
    out.end_array();
    out.member("mediaType", manifest.media_type);
    out.key("schemaVersion");
    out.int64(2);
    out.end_object();
    return out.take();
}

std::string to_json(const ImageIndex& index) {
    json::Writer out;
    out.begin_object();
    if (!index.annotations.empty()) {
        out.key("annotations");
        out.string_map(index.annotations);
    }
    out.key("manifests");
    out.begin_array();
    for (const Descriptor& m : index.manifests) write_descriptor(out, m);
    out.end_array();
    out.member("mediaType", index.media_type);
    out.key("schemaVersion");
    out.int64(2);
    out.end_object();
    return out.take();
}

ImageConfig parse_image_config(std::string_view json, const std::string& what) {
    json::Document doc(json, "image config", what);
    Node root(doc);
    ImageConfig config;
    config.platform.architecture = root.require("architecture").str();
    config.platform.os = root.require("os").str();
    config.platform.os_version = root.string_or_empty("os.version");
    config.platform.variant = root.string_or_empty("variant");
    config.author = root.string_or_empty("author");
    config.created = root.string_or_empty("created");
    if (std::optional<Node> c = root.get("config")) config.config = read_container_config(*c);
    Node rootfs = root.require("rootfs");
    Node type = rootfs.require("type");
    if (type.str() != "layers") type.fail("must be \"layers\"");
    for (const Node& d : rootfs.require("diff_ids").array()) config.diff_ids.push_back(d.digest());
    if (std::optional<Node> history = root.get("history")) {
        for (const Node& h : history->array()) config.history.push_back(read_history(h));
    }
    return config;
}

ImageManifest parse_image_manifest(std::string_view json, const std::string& what) {
    json::Document doc(json, "image manifest", what);
    Node root(doc);
    require_schema_version_2(root);
    ImageManifest manifest;
    manifest.media_type =
        read_media_type(root, media_type::k_oci_manifest, media_type::k_docker_manifest);
    manifest.config = read_descriptor(root.require("config"));
    for (const Node& layer : root.require("layers").array()) {
        manifest.layers.push_back(read_descriptor(layer));
    }
    if (std::optional<Node> annotations = root.get("annotations")) {
        manifest.annotations = annotations->string_map();
    }
    return manifest;
}

ImageIndex parse_image_index(std::string_view json, const std::string& what) {
    json::Document doc(json, "image index", what);
    Node root(doc);
    require_schema_version_2(root);
    ImageIndex index;
    index.media_type =
        read_media_type(root, media_type::k_oci_index, media_type::k_docker_manifest_list);
    for (const Node& m : root.require("manifests").array()) {
        index.manifests.push_back(read_descriptor(m));
    }
    if (std::optional<Node> annotations = root.get("annotations")) {
        index.annotations = annotations->string_map();
    }
    return index;
}

std::string format_rfc3339(int64_t unix_seconds) {
    time_t t = static_cast<time_t>(unix_seconds);
    struct tm tm {};
    if (::gmtime_r(&t, &tm) == nullptr) {
        throw Error(ErrorKind::input, fmt::format("timestamp {} is out of range", unix_seconds));
    }
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

} // namespace mab::oci
