// Pushing an image from the content store: blobs (in parallel), then each platform's
// manifest by digest, then the root (index or manifest) under every tag.
#include <atomic>
#include <set>

#include <fmt/format.h>

#include "oci/image.hpp"
#include "registry/blob_transfer.hpp"
#include "registry/client_impl.hpp"
#include "registry/manifests.hpp"
#include "registry/parallel.hpp"

namespace mab::registry {

namespace {

constexpr int k_max_index_depth = 4;

struct PushPlan {
    std::vector<oci::Descriptor> blobs;       // configs and layers, each once
    std::vector<oci::Descriptor> manifests;   // children first, the root last
};

void plan(const oci::ContentStore& store, const oci::Descriptor& desc, int depth, PushPlan& out,
          std::set<oci::Digest>& seen_blobs) {
    if (depth > k_max_index_depth)
        throw Error(ErrorKind::registry, fmt::format("{}: indexes nested too deep", desc.digest.str()));
    std::string bytes = store.get(desc.digest);
    if (is_index_media_type(desc.media_type)) {
        oci::ImageIndex index = oci::parse_image_index(bytes, desc.digest.str());
        for (const oci::Descriptor& child : index.manifests) plan(store, child, depth + 1, out, seen_blobs);
    } else {
        oci::ImageManifest manifest = oci::parse_image_manifest(bytes, desc.digest.str());
        std::vector<oci::Descriptor> blobs{manifest.config};
        blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
        for (const oci::Descriptor& b : blobs)
            if (seen_blobs.insert(b.digest).second) out.blobs.push_back(b);
    }
    out.manifests.push_back(desc);
}

} // namespace

PushResult RegistryClient::Impl::push(const oci::Descriptor& root, const Reference& repository,
                                      const std::vector<std::string>& tags, const BlobProgress& progress) {
    Endpoint& ep = endpoint(repository.domain);
    const std::string& repo = repository.path;
    if (!store.has(root.digest))
        throw Error(ErrorKind::internal, fmt::format("push: {} is not in the content store", root.digest.str()));

    PushPlan work;
    std::set<oci::Digest> seen;
    plan(store, root, 0, work, seen);

    std::atomic<int> uploaded{0}, mounted{0}, present{0};
    for_each_parallel(work.blobs, settings.max_parallel_transfers, [&](const oci::Descriptor& blob) {
        switch (upload_blob(ep, repo, blob, store, locations.find(ep.host(), blob.digest, repo), progress)) {
        case UploadOutcome::uploaded: ++uploaded; break;
        case UploadOutcome::mounted: ++mounted; break;
        case UploadOutcome::present: ++present; break;
        }
        locations.add(ep.host(), repo, blob.digest);
    });

    // Children by digest first: a registry may refuse an index whose manifests it lacks.
    for (size_t i = 0; i + 1 < work.manifests.size(); ++i) {
        const oci::Descriptor& m = work.manifests[i];
        put_manifest(ep, repo, m.digest.str(), m, store.get(m.digest));
    }
    std::string root_bytes = store.get(root.digest);
    if (tags.empty()) put_manifest(ep, repo, root.digest.str(), root, root_bytes);
    for (const std::string& tag : tags) put_manifest(ep, repo, tag, root, root_bytes);

    PushResult result;
    result.root = root;
    result.blobs_uploaded = uploaded;
    result.blobs_mounted = mounted;
    result.blobs_present = present;
    return result;
}

} // namespace mab::registry
