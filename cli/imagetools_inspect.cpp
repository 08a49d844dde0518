// `mab imagetools inspect REF [--raw] [--format json]`, as buildx shows it: the name,
// media type and digest of what REF names and, for an index, each manifest with its
// platform; --raw prints the document's exact bytes; --format json a JSON view (the
// document with its digest and size, like buildx's `{{json .Manifest}}`, under "manifest").
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdio>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/flags.hpp"
#include "cli/imagetools.hpp"
#include "oci/image.hpp"
#include "registry/manifests.hpp"

namespace mab::cli {

namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

const std::vector<FlagSpec> k_inspect_flags{
    {"raw", 0, "", "Show the original, unformatted JSON manifest", ""},
    {"format", 0, "string", "Output format: json (also accepted: {{json .}}, {{json .Manifest}})", "text"},
    {"help", 'h', "", "Show this help", ""},
};

enum class View { text, json, json_manifest, raw };

View view_of(const ParsedFlags& flags) {
    std::optional<std::string> format = flags.last("format");
    if (flags.flag("raw")) {
        if (format) throw Error(ErrorKind::usage, "--format and --raw can't be used together");
        return View::raw;
    }
    if (!format) return View::text;
    if (*format == "json" || *format == "{{json .}}") return View::json;
    if (*format == "{{json .Manifest}}") return View::json_manifest;
    throw Error(ErrorKind::usage, fmt::format("unsupported --format \"{}\"", *format))
        .with_hint("mab takes --format json (or buildx's {{json .}} and {{json .Manifest}}); it has no Go templates");
}

// "reg/app:1" or "reg/app" (a digest reference): what a child's name starts with.
std::string name_without_digest(const registry::Reference& ref) {
    return ref.tag.empty() ? ref.repository() : ref.repository() + ":" + ref.tag;
}

void print_text(const registry::Reference& ref, const registry::ManifestData& data) {
    fmt::print("Name:      {}\n", ref.str());
    fmt::print("MediaType: {}\n", data.descriptor.media_type);
    fmt::print("Digest:    {}\n", data.descriptor.digest.str());
    if (!registry::is_index_media_type(data.descriptor.media_type)) return;
    oci::ImageIndex index = oci::parse_image_index(data.raw, data.descriptor.digest.str());
    fmt::print("\nManifests:\n");
    for (size_t i = 0; i < index.manifests.size(); ++i) {
        const oci::Descriptor& m = index.manifests[i];
        if (i > 0) fmt::print("\n");
        fmt::print("  Name:        {}@{}\n", name_without_digest(ref), m.digest.str());
        fmt::print("  MediaType:   {}\n", m.media_type);
        fmt::print("  Platform:    {}\n", m.platform ? m.platform->str() : std::string("unknown/unknown"));
        if (!m.annotations.empty()) {
            fmt::print("  Annotations:\n");
            for (const auto& [key, value] : m.annotations) fmt::print("    {}: {}\n", key, value);
        }
    }
}

// The document with its digest and size added after mediaType, as buildx prints it.
void write_manifest(JsonWriter& w, const registry::ManifestData& data) {
    rapidjson::Document doc;
    doc.Parse(data.raw.c_str(), data.raw.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error(ErrorKind::registry, fmt::format("{} is not a JSON object", data.descriptor.digest.str()));
    w.StartObject();
    if (doc.HasMember("schemaVersion")) {
        w.Key("schemaVersion");
        doc["schemaVersion"].Accept(w);
    }
    w.Key("mediaType");
    w.String(data.descriptor.media_type);
    w.Key("digest");
    w.String(data.descriptor.digest.str());
    w.Key("size");
    w.Int64(data.descriptor.size);
    for (const auto& member : doc.GetObject()) {
        std::string key(member.name.GetString(), member.name.GetStringLength());
        if (key == "schemaVersion" || key == "mediaType") continue;
        w.Key(key);
        member.value.Accept(w);
    }
    w.EndObject();
}

void print_json(const registry::Reference& ref, const registry::ManifestData& data, View view) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.SetIndent(' ', 2);
    if (view == View::json_manifest) {
        write_manifest(w, data);
    } else {
        w.StartObject();
        w.Key("name");
        w.String(ref.str());
        w.Key("manifest");
        write_manifest(w, data);
        w.EndObject();
    }
    fmt::print("{}\n", buffer.GetString());
}

} // namespace

int run_imagetools_inspect(const std::vector<std::string>& args, CommandContext& ctx) {
    ParsedFlags flags = parse_flags(args, k_inspect_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab imagetools inspect [OPTIONS] NAME\n\n"
                   "Show the manifest or index NAME points to in its registry.\n\n"
                   "Options:\n{}",
                   format_flag_help(k_inspect_flags));
        return 0;
    }
    if (flags.positional.size() != 1)
        throw Error(ErrorKind::usage, fmt::format("mab imagetools inspect requires exactly 1 argument, got {}",
                                                  flags.positional.size()))
            .with_hint("usage: mab imagetools inspect [--raw] [--format json] NAME");
    const View view = view_of(flags);
    registry::Reference ref = registry::Reference::parse(flags.positional.front());
    RegistrySession session(ctx);
    registry::ManifestData data = session.client.inspect(ref);
    switch (view) {
    case View::raw:
        std::fwrite(data.raw.data(), 1, data.raw.size(), stdout);
        break;
    case View::text:
        print_text(ref, data);
        break;
    case View::json:
    case View::json_manifest:
        print_json(ref, data, view);
        break;
    }
    return 0;
}

} // namespace mab::cli
