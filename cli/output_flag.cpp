#include "cli/output_flag.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/suggest.hpp"

namespace mab::cli {

namespace {

const std::vector<std::string> k_types{"oci", "docker", "local", "tar", "image", "registry"};
const std::vector<std::string> k_keys{"type", "dest", "tar", "oci-mediatypes", "compression",
                                      "compression-level", "force-compression", "name", "push",
                                      "push-by-digest", "name-canonical"};

[[noreturn]] void bad(const std::string& value, const std::string& why) {
    throw Error(ErrorKind::usage, fmt::format("invalid output \"{}\": {}", value, why));
}

bool parse_bool_field(const std::string& value, const std::string& key, const std::string& v) {
    if (v == "true" || v.empty()) return true;
    if (v == "false") return false;
    bad(value, fmt::format("{} must be true or false, not \"{}\"", key, v));
}

exporter::OutputType parse_type(const std::string& value, const std::string& type) {
    if (type == "oci") return exporter::OutputType::oci;
    if (type == "docker") return exporter::OutputType::docker;
    if (type == "local") return exporter::OutputType::local;
    if (type == "tar") return exporter::OutputType::tar;
    if (type == "image" || type == "registry") return exporter::OutputType::image;
    bad(value, fmt::format("unknown type \"{}\"{}; valid types: oci, docker, local, tar, image, registry", type,
                           did_you_mean(type, k_types)));
}

} // namespace

std::vector<std::string> split_csv(const std::string& value) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '"') {
            if (quoted && i + 1 < value.size() && value[i + 1] == '"') {
                field += '"';
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (c == ',' && !quoted) {
            fields.push_back(field);
            field.clear();
        } else {
            field += c;
        }
    }
    if (quoted) throw Error(ErrorKind::usage, fmt::format("invalid output \"{}\": unterminated quote", value));
    fields.push_back(field);
    return fields;
}

exporter::OutputSpec parse_output_flag(const std::string& value) {
    exporter::OutputSpec spec;
    // buildx shorthands: "-" is a tar on stdout, a bare path is a local directory.
    if (value == "-") {
        spec.type = exporter::OutputType::tar;
        spec.dest = value;  // "-" (assigning the literal trips a g++ 12 -Wrestrict false positive)
        return spec;
    }
    if (value.find('=') == std::string::npos) {
        if (value.empty()) bad(value, "empty");
        spec.type = exporter::OutputType::local;
        spec.dest = value;
        return spec;
    }

    bool have_type = false;
    bool registry_type = false;
    std::vector<std::string> push_keys;  // push keys given, for "applies to type=image only"
    for (const std::string& field : split_csv(value)) {
        size_t eq = field.find('=');
        std::string key = field.substr(0, eq);
        std::string v = eq == std::string::npos ? std::string() : field.substr(eq + 1);
        if (key == "type") {
            spec.type = parse_type(value, v);
            registry_type = v == "registry";
            have_type = true;
        } else if (key == "dest") {
            spec.dest = v;
        } else if (key == "tar") {
            spec.tar = parse_bool_field(value, key, v);
        } else if (key == "oci-mediatypes") {
            spec.oci_mediatypes = parse_bool_field(value, key, v);
        } else if (key == "compression") {
            spec.compression = oci::parse_compression(v);
        } else if (key == "compression-level") {
            try {
                size_t used = 0;
                int level = std::stoi(v, &used);
                if (used != v.size()) throw std::invalid_argument(v);
                spec.compression_level = level;
            } catch (const std::logic_error&) {
                bad(value, fmt::format("compression-level must be a number, not \"{}\"", v));
            }
        } else if (key == "force-compression") {
            // Layers are always written with the requested compression; accepted for
            // compatibility with buildx scripts.
            parse_bool_field(value, key, v);
        } else if (key == "name") {
            for (const std::string& n : split_csv(v))
                if (!n.empty()) spec.names.push_back(n);
        } else if (key == "push") {
            spec.push = parse_bool_field(value, key, v);
            push_keys.push_back(key);
        } else if (key == "push-by-digest") {
            spec.push_by_digest = parse_bool_field(value, key, v);
            push_keys.push_back(key);
        } else if (key == "name-canonical") {
            spec.name_canonical = parse_bool_field(value, key, v);
            push_keys.push_back(key);
        } else {
            bad(value, fmt::format("unknown key \"{}\"{}", key, did_you_mean(key, k_keys)));
        }
    }
    if (!have_type) bad(value, "missing type= (oci, docker, local, tar, image or registry)");
    // type=registry is type=image with push=true, as in buildx.
    if (registry_type) spec.push = true;
    if (spec.type != exporter::OutputType::image && !push_keys.empty())
        bad(value, fmt::format("{} applies to type=image and type=registry only", push_keys.front()));
    if (spec.type != exporter::OutputType::oci && !spec.tar)
        bad(value, "tar=false applies to type=oci only");
    if (spec.compression_level) {
        int lo = 0;
        int hi = spec.compression == oci::Compression::zstd ? 22 : 9;
        if (*spec.compression_level < lo || *spec.compression_level > hi)
            bad(value, fmt::format("compression-level {} is out of range {}..{} for {}",
                                   *spec.compression_level, lo, hi,
                                   oci::compression_name(spec.compression)));
    }
    return spec;
}

} // namespace mab::cli
