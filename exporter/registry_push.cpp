#include "exporter/registry_push.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "exporter/image_assembly.hpp"
#include "registry/reference.hpp"
#include "registry/registry_client.hpp"

namespace mab::exporter {

namespace {

// True if `name` spells a tag: "reg:5000/app:1" does, "reg:5000/app" does not (a
// port's colon comes before the last slash). Reference::parse adds "latest" to both.
bool spells_tag(const std::string& name) {
    size_t slash = name.rfind('/');
    std::string last = name.substr(slash == std::string::npos ? 0 : slash + 1);
    return last.substr(0, last.find('@')).find(':') != std::string::npos;
}

// Each repository once with its tags (none when pushing by digest).
std::vector<registry::RepositoryTags> push_targets(const OutputSpec& spec) {
    std::vector<registry::Reference> refs;
    for (const std::string& name : spec.names) {
        registry::Reference ref = registry::Reference::parse(name);
        if (ref.digest)
            throw Error(ErrorKind::usage, fmt::format("cannot push to \"{}\": a digest names content, not a place "
                                                      "to push to",
                                                      name))
                .with_hint("name a repository (REG/app) or a tag (REG/app:1)");
        if (spec.push_by_digest && spells_tag(name))
            throw Error(ErrorKind::usage, fmt::format("can't push tagged ref {} by digest", name))
                .with_hint("push-by-digest=true takes repository names without a tag (REG/app); tag the merged "
                           "result later with `mab imagetools create -t REG/app:TAG REG/app@sha256:…`");
        if (spec.push_by_digest) ref.tag.clear();
        refs.push_back(ref);
    }
    return registry::group_by_repository(refs);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

} // namespace

void check_push_output(const OutputSpec& spec) {
    if (!spec.push)
        throw Error(ErrorKind::usage, "output type image without push=true: mab keeps no local image store, so the "
                                      "image would be kept nowhere")
            .with_hint("push it with --push (or -o type=image,name=REG/app:TAG,push=true, or -o type=registry), "
                       "or write it to a file: -o type=oci,dest=app.tar, or -o type=docker,dest=app.tar for "
                       "`docker load -i app.tar`");
    if (!spec.dest.empty())
        throw Error(ErrorKind::usage, "dest= does not apply to an image pushed to a registry")
            .with_hint("the registry and repository come from -t or name=REG/app:TAG");
    if (spec.names.empty())
        throw Error(ErrorKind::usage, "tag is needed when pushing to registry")
            .with_hint("name the image: -t REG/app:TAG, or -o type=registry,name=REG/app:TAG");
    push_targets(spec);
}

ExportResult push_images(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                         const ExportEnvironment& environment) {
    check_push_output(spec);
    if (!environment.registry) throw Error(ErrorKind::internal, "push without a registry client");
    auto say = [&](const std::string& line) {
        if (environment.progress) environment.progress(line);
    };
    const std::vector<registry::RepositoryTags> targets = push_targets(spec);
    AssembledImages assembled = assemble_images(images, spec.uses_oci_mediatypes(), store);
    const std::string digest = assembled.root.digest.str();
    say(fmt::format("exporting {} {}", assembled.manifests.size() > 1 ? "manifest list" : "manifest", digest));

    registry::RegistryClient& client = *environment.registry;
    for (const registry::RepositoryTags& target : targets) {
        const std::string repository = target.repository.repository();
        registry::PushResult pushed =
            client.push_image(assembled.root, target.repository, target.tags, environment.blob_progress);
        say(fmt::format("pushing layers to {}: {} uploaded, {} mounted, {} already there", repository,
                        pushed.blobs_uploaded, pushed.blobs_mounted, pushed.blobs_present));
        if (target.tags.empty()) say(fmt::format("pushing manifest for {}@{} done", repository, digest));
        for (const std::string& tag : target.tags)
            say(fmt::format("pushing manifest for {}:{}@{} done", repository, tag, digest));
    }

    ExportResult result;
    result.root = assembled.root;
    if (assembled.config_digests.size() == 1) result.config_digest = assembled.config_digests.front();
    std::vector<std::string> names = spec.names;
    if (spec.name_canonical)
        for (const registry::RepositoryTags& target : targets) names.push_back(target.repository.repository() + "@" + digest);
    result.image_name = join(names, ",");
    return result;
}

} // namespace mab::exporter
