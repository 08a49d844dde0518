// `mab imagetools create -t NEW [-t NEW2] [--dry-run] SOURCE...`, as buildx does it: the
// manifests of every source (an index's entries, or a lone manifest with the platform
// its config names) merged into one index, pushed with its children to every -t. A
// single source that is already an index is pushed as it is. Within one registry the
// children's blobs are mounted from the source repositories (or found there already);
// sources on another registry are fetched into the content store and uploaded.
#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/flags.hpp"
#include "cli/imagetools.hpp"
#include "cli/manifest_staging.hpp"
#include "oci/image.hpp"
#include "registry/manifests.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_create_flags{
    {"tag", 't', "name", "Set reference for new image; repeatable", ""},
    {"dry-run", 0, "", "Show final image instead of pushing", ""},
    {"help", 'h', "", "Show this help", ""},
};

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
    std::vector<IndexEntry> entries;
    oci::Descriptor root;
    for (const std::string& arg : flags.positional) {
        registry::Reference source = registry::Reference::parse(arg);
        registry::ManifestData data = session.client.inspect(source);
        if (flags.positional.size() == 1 && registry::is_index_media_type(data.descriptor.media_type))
            root = data.descriptor;   // one index: pushed as it is, as buildx does
        std::vector<IndexEntry> more = entries_of(session, source, data);
        entries.insert(entries.end(), more.begin(), more.end());
    }
    if (root.digest.empty()) {
        oci::ImageIndex index = merge_entries(entries);
        root = session.store.put(oci::to_json(index), index.media_type);
    }
    if (dry_run) {
        fmt::print("{}\n", session.store.get(root.digest));
        return 0;
    }

    push_index(session, root, entries, targets);
    return 0;
}

} // namespace mab::cli
