// `mab imagetools create -t NEW [-t NEW2] [--dry-run] SOURCE...`, as buildx does it: the
// manifests of every source (an index's entries, or a lone manifest with the platform
// its config names) merged into one index, pushed with its children to every -t. A
// single source that is already an index is pushed as it is. Within one registry the
// children's blobs are mounted from the source repositories (or found there already);
// sources on another registry are fetched into the content store and uploaded.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/flags.hpp"
#include "cli/imagetools.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "registry/manifests.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_create_flags{
    {"tag", 't', "name", "Set reference for new image; repeatable", ""},
    {"dry-run", 0, "", "Show final image instead of pushing", ""},
    {"help", 'h', "", "Show this help", ""},
};

constexpr int k_max_depth = 4;

// One manifest (or nested index) of the new index, and the source it comes from.
struct Entry {
    oci::Descriptor descriptor;
    registry::Reference source;
};

registry::Reference at_digest(registry::Reference ref, const oci::Digest& digest) {
    ref.tag.clear();
    ref.digest = digest;
    return ref;
}

// A lone manifest's platform, from its config.
oci::Platform platform_of_manifest(RegistrySession& session, const registry::Reference& ref,
                                   const registry::ManifestData& data) {
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, data.descriptor.digest.str());
    session.client.fetch_blobs(ref, {manifest.config});
    return oci::parse_image_config(session.store.get(manifest.config.digest), manifest.config.digest.str()).platform;
}

std::vector<Entry> entries_of(RegistrySession& session, const registry::Reference& ref,
                              const registry::ManifestData& data) {
    if (registry::is_index_media_type(data.descriptor.media_type)) {
        std::vector<Entry> entries;
        for (const oci::Descriptor& d : oci::parse_image_index(data.raw, data.descriptor.digest.str()).manifests)
            entries.push_back({d, ref});
        return entries;
    }
    oci::Descriptor d = data.descriptor;
    d.platform = platform_of_manifest(session, ref, data);
    return {{d, ref}};
}

// An OCI index if any entry is OCI, else a Docker manifest list (as buildx chooses).
oci::ImageIndex merge(const std::vector<Entry>& entries) {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_docker_manifest_list);
    std::set<oci::Digest> seen;
    for (const Entry& e : entries) {
        if (!seen.insert(e.descriptor.digest).second) continue;
        if (e.descriptor.media_type == oci::media_type::k_oci_manifest ||
            e.descriptor.media_type == oci::media_type::k_oci_index)
            index.media_type = std::string(oci::media_type::k_oci_index);
        index.manifests.push_back(e.descriptor);
    }
    return index;
}

// Makes `desc` from `source`'s repository pushable: the document (and its children) in
// the content store; blobs noted where they are, for mounts, or fetched if they must be
// uploaded to another registry.
void stage(RegistrySession& session, const registry::Reference& source, const oci::Descriptor& desc,
           bool fetch_blobs, int depth) {
    if (depth > k_max_depth)
        throw Error(ErrorKind::registry, fmt::format("{}: indexes nested too deep", source.repository()));
    registry::ManifestData data = session.client.inspect(at_digest(source, desc.digest));
    if (registry::is_index_media_type(data.descriptor.media_type)) {
        for (const oci::Descriptor& child : oci::parse_image_index(data.raw, desc.digest.str()).manifests)
            stage(session, source, child, fetch_blobs, depth + 1);
        return;
    }
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, desc.digest.str());
    std::vector<oci::Descriptor> blobs{manifest.config};
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
    for (const oci::Descriptor& blob : blobs) session.client.note_blob_location(source, blob.digest);
    if (fetch_blobs) session.client.fetch_blobs(source, blobs);
}

std::vector<registry::Reference> parse_targets(const std::vector<std::string>& tags) {
    std::vector<registry::Reference> targets;
    for (const std::string& tag : tags) {
        registry::Reference ref = registry::Reference::parse(tag);
        if (ref.digest)
            throw Error(ErrorKind::usage, fmt::format("-t {}: a digest cannot be a target", tag))
                .with_hint("give a tag (REG/app:1) or a repository (REG/app, tagged latest)");
        targets.push_back(ref);
    }
    return targets;
}

} // namespace

int run_imagetools_create(const std::vector<std::string>& args, CommandContext& ctx) {
    ParsedFlags flags = parse_flags(args, k_create_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab imagetools create [OPTIONS] SOURCE [SOURCE...]\n\n"
                   "Create a new image from the manifests of the sources (images or indexes, by tag or\n"
                   "digest), and push it to every -t.\n\n"
                   "Options:\n{}\nExample (per-platform images pushed with push-by-digest=true):\n"
                   "  mab imagetools create -t reg.example.com/app:1 reg.example.com/app@sha256:AAA… "
                   "reg.example.com/app@sha256:BBB…\n",
                   format_flag_help(k_create_flags));
        return 0;
    }
    if (flags.positional.empty())
        throw Error(ErrorKind::usage, "mab imagetools create requires at least 1 source")
            .with_hint("usage: mab imagetools create -t REG/app:TAG SOURCE [SOURCE...]");
    const bool dry_run = flags.flag("dry-run");
    const std::vector<registry::Reference> targets = parse_targets(flags.all("tag"));
    if (targets.empty() && !dry_run)
        throw Error(ErrorKind::usage, "mab imagetools create needs a target: -t REG/app:TAG (or --dry-run)");

    RegistrySession session(ctx);
    std::vector<Entry> entries;
    oci::Descriptor root;
    for (const std::string& arg : flags.positional) {
        registry::Reference source = registry::Reference::parse(arg);
        registry::ManifestData data = session.client.inspect(source);
        if (flags.positional.size() == 1 && registry::is_index_media_type(data.descriptor.media_type))
            root = data.descriptor;   // one index: pushed as it is, as buildx does
        std::vector<Entry> more = entries_of(session, source, data);
        entries.insert(entries.end(), more.begin(), more.end());
    }
    if (root.digest.empty()) {
        oci::ImageIndex index = merge(entries);
        root = session.store.put(oci::to_json(index), index.media_type);
    }
    if (dry_run) {
        fmt::print("{}\n", session.store.get(root.digest));
        return 0;
    }

    std::set<std::string> target_hosts;
    for (const registry::Reference& t : targets) target_hosts.insert(t.domain);
    for (const Entry& e : entries) {
        bool elsewhere = std::any_of(target_hosts.begin(), target_hosts.end(),
                                     [&](const std::string& host) { return host != e.source.domain; });
        stage(session, e.source, e.descriptor, elsewhere, 1);
    }
    for (const registry::RepositoryTags& target : registry::group_by_repository(targets)) {
        registry::PushResult pushed = session.client.push_image(root, target.repository, target.tags);
        fmt::print(stderr, "blobs for {}: {} uploaded, {} mounted, {} already there\n",
                   target.repository.repository(), pushed.blobs_uploaded, pushed.blobs_mounted, pushed.blobs_present);
        for (const std::string& tag : target.tags)
            fmt::print(stderr, "pushing {} to {}:{} done\n", root.digest.str(), target.repository.repository(), tag);
    }
    return 0;
}

} // namespace mab::cli
