// `mab manifest create|annotate|inspect|push|rm`: docker's manifest workflow. A list is
// put together locally (cli/manifest_store.hpp) from images in registries, its entries'
// platforms annotated, then pushed as an index to the list's own name (blobs mounted
// within a registry, copied across registries). `mab imagetools create` does it in one
// step.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/flags.hpp"
#include "cli/manifest_store.hpp"
#include "oci/platform.hpp"
#include "registry/manifests.hpp"

namespace mab::cli {

namespace {

const char* const k_help =
    "Usage: mab manifest COMMAND\n\n"
    "Manage manifest lists (multi-platform images) as docker manifest does.\n\n"
    "Commands:\n"
    "  annotate    Add or change the platform of an image in a local manifest list\n"
    "  create      Create a local manifest list from images in registries\n"
    "  inspect     Show a local manifest list, or an image's manifest in its registry\n"
    "  push        Push a local manifest list to its registry\n"
    "  rm          Delete local manifest lists\n\n"
    "Run 'mab manifest COMMAND --help' for more information on a command.\n";

const FlagSpec k_help_flag{"help", 'h', "", "Show this help", ""};

ManifestStore store_of(const CommandContext& ctx) { return ManifestStore(ctx.global.root / "manifests"); }

// Flags parsed, or nullopt when --help was printed.
std::optional<ParsedFlags> parse_or_help(const std::vector<std::string>& args, std::vector<FlagSpec> specs,
                                         const char* usage) {
    specs.push_back(k_help_flag);
    ParsedFlags flags = parse_flags(args, specs);
    if (flags.flag("help")) {
        fmt::print("Usage: mab manifest {}\n\nOptions:\n{}", usage, format_flag_help(specs));
        return std::nullopt;
    }
    return flags;
}

void need_args(const ParsedFlags& flags, size_t least, const char* usage) {
    if (flags.positional.size() < least)
        throw Error(ErrorKind::usage, fmt::format("\"mab manifest {}\" requires at least {} argument{}", usage, least,
                                                  least == 1 ? "" : "s"))
            .with_hint(fmt::format("usage: mab manifest {}", usage));
}

LocalManifestList require_list(const ManifestStore& store, const registry::Reference& ref) {
    std::optional<LocalManifestList> list = store.find(ref);
    if (!list)
        throw Error(ErrorKind::not_found, fmt::format("No such manifest: {}", ref.str()))
            .with_hint("create it with mab manifest create LIST IMAGE...");
    return *list;
}

int run_create(const std::vector<std::string>& args, CommandContext& ctx) {
    const char* usage = "create MANIFEST_LIST MANIFEST [MANIFEST...]";
    auto flags = parse_or_help(args, {{"amend", 'a', "", "Amend an existing manifest list", ""}}, usage);
    if (!flags) return 0;
    need_args(*flags, 2, usage);
    const registry::Reference list_ref = registry::Reference::parse(flags->positional[0]);
    const ManifestStore store = store_of(ctx);
    std::optional<LocalManifestList> existing = store.find(list_ref);
    if (existing && !flags->flag("amend"))
        throw Error(ErrorKind::usage, fmt::format("refusing to amend an existing manifest list with no --amend flag: {}",
                                                  list_ref.str()));
    LocalManifestList list = existing.value_or(LocalManifestList{list_ref, {}});
    RegistrySession session(ctx);
    for (size_t i = 1; i < flags->positional.size(); ++i) {
        registry::Reference image = registry::Reference::parse(flags->positional[i]);
        registry::ManifestData data = session.client.inspect(image);
        if (registry::is_index_media_type(data.descriptor.media_type))
            throw Error(ErrorKind::usage, fmt::format("{} is a manifest list", image.str()))
                .with_hint("name one platform's image by digest, or merge lists with mab imagetools create");
        std::vector<IndexEntry> entries = entries_of(session, image, data);
        for (IndexEntry& entry : entries) {
            std::erase_if(list.entries, [&](const IndexEntry& e) { return e.descriptor.digest == entry.descriptor.digest; });
            list.entries.push_back(std::move(entry));
        }
    }
    store.save(list);
    fmt::print("Created manifest list {}\n", list_ref.str());
    return 0;
}

int run_annotate(const std::vector<std::string>& args, CommandContext& ctx) {
    const char* usage = "annotate [OPTIONS] MANIFEST_LIST MANIFEST";
    auto flags = parse_or_help(args,
                               {{"arch", 0, "string", "Set architecture", ""},
                                {"os", 0, "string", "Set operating system", ""},
                                {"os-features", 0, "strings", "Set operating system feature (comma-separated)", ""},
                                {"os-version", 0, "string", "Set operating system version", ""},
                                {"variant", 0, "string", "Set architecture variant", ""}},
                               usage);
    if (!flags) return 0;
    need_args(*flags, 2, usage);
    const registry::Reference list_ref = registry::Reference::parse(flags->positional[0]);
    const registry::Reference image = registry::Reference::parse(flags->positional[1]);
    const ManifestStore store = store_of(ctx);
    LocalManifestList list = require_list(store, list_ref);
    auto entry = std::find_if(list.entries.begin(), list.entries.end(), [&](const IndexEntry& e) {
        return e.source.str() == image.str() || (image.digest && e.descriptor.digest == *image.digest);
    });
    if (entry == list.entries.end() && !image.digest) {
        // Named by a tag: compare the digest it names now.
        RegistrySession session(ctx);
        const oci::Digest digest = session.client.inspect(image).descriptor.digest;
        entry = std::find_if(list.entries.begin(), list.entries.end(),
                             [&](const IndexEntry& e) { return e.descriptor.digest == digest; });
    }
    if (entry == list.entries.end())
        throw Error(ErrorKind::not_found,
                    fmt::format("manifest for image {} does not exist in {}", image.str(), list_ref.str()));
    oci::Platform platform = entry->descriptor.platform.value_or(oci::Platform{});
    if (auto v = flags->last("os")) platform.os = *v;
    if (auto v = flags->last("arch")) platform.architecture = *v;
    if (auto v = flags->last("variant")) platform.variant = *v;
    if (auto v = flags->last("os-version")) platform.os_version = *v;
    if (flags->has("os-features")) {
        platform.os_features.clear();
        for (const std::string& value : flags->all("os-features")) {
            size_t start = 0;
            while (start <= value.size()) {
                size_t comma = value.find(',', start);
                std::string feature = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!feature.empty()) platform.os_features.push_back(feature);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
    }
    // As docker: the os/arch pair must be one a registry client can match.
    try {
        oci::Platform::parse(platform.os + "/" + platform.architecture +
                             (platform.variant.empty() ? "" : "/" + platform.variant));
    } catch (const Error&) {
        throw Error(ErrorKind::usage, fmt::format("manifest entry for image has unsupported os/arch combination: {}/{}{}",
                                                  platform.os, platform.architecture,
                                                  platform.variant.empty() ? "" : "/" + platform.variant));
    }
    entry->descriptor.platform = platform;
    store.save(list);
    return 0;
}

std::string pretty(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str(), json.size());
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 3);  // docker manifest inspect's indentation
    doc.Accept(writer);
    return buffer.GetString();
}

int run_inspect(const std::vector<std::string>& args, CommandContext& ctx) {
    const char* usage = "inspect [OPTIONS] [MANIFEST_LIST] MANIFEST";
    auto flags = parse_or_help(args, {{"verbose", 'v', "", "Output additional info including layers and platform", ""}},
                               usage);
    if (!flags) return 0;
    need_args(*flags, 1, usage);
    const registry::Reference ref = registry::Reference::parse(flags->positional[0]);
    if (std::optional<LocalManifestList> list = store_of(ctx).find(ref)) {
        oci::ImageIndex index = merge_entries(list->entries);
        if (!flags->flag("verbose")) {
            fmt::print("{}\n", pretty(oci::to_json(index)));
            return 0;
        }
        // Each entry with the image it came from, as docker's verbose view lists them.
        rapidjson::Document entries;
        entries.Parse(oci::to_json(index).c_str());
        rapidjson::Document out(rapidjson::kArrayType);
        auto& alloc = out.GetAllocator();
        for (rapidjson::SizeType i = 0; i < entries["manifests"].Size(); ++i) {
            rapidjson::Value item(rapidjson::kObjectType);
            item.AddMember("Ref", rapidjson::Value(list->entries[i].source.str().c_str(), alloc), alloc);
            item.AddMember("Descriptor", rapidjson::Value(entries["manifests"][i], alloc), alloc);
            out.PushBack(item, alloc);
        }
        rapidjson::StringBuffer buffer;
        rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
        writer.SetIndent(' ', 3);
        out.Accept(writer);
        fmt::print("{}\n", buffer.GetString());
        return 0;
    }
    RegistrySession session(ctx);
    registry::ManifestData data = session.client.inspect(ref);
    fmt::print("{}\n", pretty(data.raw));
    return 0;
}

int run_push(const std::vector<std::string>& args, CommandContext& ctx) {
    const char* usage = "push [OPTIONS] MANIFEST_LIST";
    auto flags = parse_or_help(args, {{"purge", 'p', "", "Remove the local manifest list after push", ""}}, usage);
    if (!flags) return 0;
    need_args(*flags, 1, usage);
    const registry::Reference list_ref = registry::Reference::parse(flags->positional[0]);
    const ManifestStore store = store_of(ctx);
    LocalManifestList list = require_list(store, list_ref);
    if (list.entries.empty()) throw Error(ErrorKind::usage, fmt::format("{} has no images", list_ref.str()));
    RegistrySession session(ctx);
    oci::ImageIndex index = merge_entries(list.entries);
    oci::Descriptor root = session.store.put(oci::to_json(index), index.media_type);
    push_index(session, root, list.entries, {list_ref});
    fmt::print("{}\n", root.digest.str());
    if (flags->flag("purge")) store.remove(list_ref);
    return 0;
}

int run_rm(const std::vector<std::string>& args, CommandContext& ctx) {
    const char* usage = "rm MANIFEST_LIST [MANIFEST_LIST...]";
    auto flags = parse_or_help(args, {}, usage);
    if (!flags) return 0;
    need_args(*flags, 1, usage);
    const ManifestStore store = store_of(ctx);
    std::vector<std::string> missing;
    for (const std::string& name : flags->positional)
        if (!store.remove(registry::Reference::parse(name))) missing.push_back(name);
    if (!missing.empty())
        throw Error(ErrorKind::not_found, fmt::format("No such manifest: {}", fmt::join(missing, ", ")));
    return 0;
}

} // namespace

int run_manifest_command(const std::vector<std::string>& args, CommandContext& ctx) {
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        fmt::print("{}", k_help);
        return args.empty() ? 2 : 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    const std::string& sub = args.front();
    if (sub == "create") return run_create(rest, ctx);
    if (sub == "annotate") return run_annotate(rest, ctx);
    if (sub == "inspect") return run_inspect(rest, ctx);
    if (sub == "push") return run_push(rest, ctx);
    if (sub == "rm") return run_rm(rest, ctx);
    throw Error(ErrorKind::usage, fmt::format("unknown manifest command \"{}\"{}", sub,
                                              did_you_mean(sub, {"annotate", "create", "inspect", "push", "rm"})))
        .with_hint("run mab manifest --help");
}

} // namespace mab::cli
