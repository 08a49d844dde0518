#include "cli/cache_flags.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/output_flag.hpp"

namespace mab::cli {

CacheSpec parse_cache_spec(const std::string& value, bool exporting) {
    const std::string flag = exporting ? "--cache-to" : "--cache-from";
    CacheSpec spec;
    spec.text = flag + " " + value;
    auto bad = [&](const std::string& why) { return Error(ErrorKind::usage, fmt::format("{} {}: {}", flag, value, why)); };
    if (value.empty()) throw bad("empty value");
    // buildx: a value without "=" is a registry reference (--cache-from only in practice).
    if (value.find('=') == std::string::npos) {
        spec.type = CacheSpec::Type::registry;
        spec.ref = value;
        return spec;
    }
    std::string type;
    for (const std::string& field : split_csv(value)) {
        size_t eq = field.find('=');
        if (eq == std::string::npos) throw bad(fmt::format("\"{}\" is not key=value", field));
        std::string key = field.substr(0, eq), v = field.substr(eq + 1);
        if (key == "type") {
            type = v;
        } else if (key == "dest" && exporting) {
            spec.dir = v;
        } else if (key == "src" && !exporting) {
            spec.dir = v;
        } else if (key == "ref") {
            spec.ref = v;
        } else if (key == "mode" && exporting) {
            if (v != "min" && v != "max") throw bad(fmt::format("mode={}: expected min or max", v));
            spec.max = v == "max";
        } else if (key == "ignore-error") {
            if (v != "true" && v != "false") throw bad(fmt::format("ignore-error={}: expected true or false", v));
            spec.ignore_error = v == "true";
        } else if (key == "oci-mediatypes" || key == "image-manifest" || key == "compression") {
            // buildx's layout choices: mab always writes one OCI image manifest.
        } else {
            std::vector<std::string> known = exporting ? std::vector<std::string>{"type", "dest", "ref", "mode", "ignore-error"}
                                                       : std::vector<std::string>{"type", "src", "ref"};
            throw Error(ErrorKind::usage, with_suggestion(fmt::format("{} {}: unknown key \"{}\"", flag, value, key),
                                                          key, known));
        }
    }
    if (type == "local") {
        spec.type = CacheSpec::Type::local;
        if (spec.dir.empty()) throw bad(exporting ? "type=local needs dest=DIR" : "type=local needs src=DIR");
    } else if (type == "registry") {
        spec.type = CacheSpec::Type::registry;
        if (spec.ref.empty()) throw bad("type=registry needs ref=REGISTRY/REPOSITORY:TAG");
    } else if (type == "inline" && exporting) {
        spec.type = CacheSpec::Type::inline_cache;
    } else if (type == "inline") {
        throw bad("an inline cache is read from its image: use type=registry,ref=IMAGE");
    } else if (type == "gha" || type == "s3" || type == "azblob") {
        throw bad(fmt::format("cache type {} is not supported by mab: use type=registry, type=local or type=inline",
                              type));
    } else {
        throw Error(ErrorKind::usage,
                    with_suggestion(fmt::format("{} {}: unknown cache type \"{}\"", flag, value, type), type,
                                    {"local", "registry", "inline"}));
    }
    return spec;
}

} // namespace mab::cli
