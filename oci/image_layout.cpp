#include "oci/image_layout.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "oci/content_store.hpp"
#include "oci/media_types.hpp"
#include "oci/platform_match.hpp"

namespace mab::oci {

namespace fs = std::filesystem;

namespace {

constexpr int k_max_index_depth = 4;
constexpr std::uintmax_t k_max_document = 4 << 20;

bool is_index(const std::string& media_type) {
    return media_type == media_type::k_oci_index || media_type == media_type::k_docker_manifest_list;
}

} // namespace

ImageLayout::ImageLayout(fs::path dir) : m_dir(std::move(dir)) {
    std::error_code ec;
    if (!fs::is_regular_file(m_dir / "oci-layout", ec) || !fs::is_regular_file(m_dir / "index.json", ec))
        throw Error(ErrorKind::input,
                    fmt::format("{} is not an OCI image layout (no oci-layout or index.json)", m_dir.string()));
    if (fs::file_size(m_dir / "index.json") > k_max_document)
        throw Error(ErrorKind::input, fmt::format("{}/index.json is larger than 4 MiB", m_dir.string()));
    m_index = parse_image_index(read_file(m_dir / "index.json"), (m_dir / "index.json").string());
}

fs::path ImageLayout::blob_path(const Digest& digest) const {
    return m_dir / "blobs" / std::string(digest.algorithm()) / std::string(digest.hex());
}

void ImageLayout::import_blob(const Descriptor& blob, ContentStore& store) const {
    if (store.has(blob.digest)) return;
    const fs::path path = blob_path(blob.digest);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT)
            throw Error(ErrorKind::input, fmt::format("blob {} of a base image is missing from the OCI layout {}",
                                                      blob.digest.str(), m_dir.string()));
        throw_errno("open", path.string());
    }
    ContentStore::Writer writer(store);
    read_chunks(fd.get(), path, [&](const char* data, size_t size) { writer.write(data, size); });
    // commit() refuses content that does not match the digest the manifest names.
    writer.commit(blob.media_type, blob.digest);
}

std::string ImageLayout::read_blob(const Digest& digest) const {
    fs::path path = blob_path(digest);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw Error(ErrorKind::input, fmt::format("OCI layout {} lacks blob {}", m_dir.string(), digest.str()));
    if (fs::file_size(path) > k_max_document)
        throw Error(ErrorKind::input, fmt::format("blob {} in {} is larger than 4 MiB", digest.str(), m_dir.string()));
    std::string data = read_file(path);
    if (sha256_of(data) != digest)
        throw Error(ErrorKind::input, fmt::format("blob {} in {} does not match its digest", digest.str(), m_dir.string()));
    return data;
}

Descriptor ImageLayout::find(const std::string& ref) const {
    if (ref.empty()) {
        if (m_index.manifests.size() == 1) return m_index.manifests.front();
        throw Error(ErrorKind::input,
                    fmt::format("OCI layout {} holds {} images: name one with :TAG or @DIGEST", m_dir.string(),
                                m_index.manifests.size()));
    }
    const bool by_digest = ref.rfind("sha256:", 0) == 0;
    for (const Descriptor& d : m_index.manifests) {
        if (by_digest && d.digest.str() == ref) return d;
        auto name = d.annotations.find(std::string(k_annotation_ref_name));
        if (!by_digest && name != d.annotations.end() && name->second == ref) return d;
    }
    throw Error(ErrorKind::input, fmt::format("OCI layout {} has no image \"{}\"", m_dir.string(), ref));
}

ResolvedImage ImageLayout::resolve(const std::string& ref, const Platform& platform) const {
    Descriptor current = find(ref);
    for (int depth = 0; is_index(current.media_type); ++depth) {
        if (depth == k_max_index_depth)
            throw Error(ErrorKind::input, fmt::format("OCI layout {}: indexes nested too deep", m_dir.string()));
        ImageIndex index = parse_image_index(read_blob(current.digest), current.digest.str());
        std::optional<Descriptor> chosen = select_manifest(index.manifests, platform);
        if (!chosen) {
            std::string have;
            for (const Descriptor& d : index.manifests)
                if (d.platform) have += (have.empty() ? "" : ", ") + d.platform->str();
            throw Error(ErrorKind::input,
                        fmt::format("image \"{}\" in {} has no {} variant (it has: {})", ref, m_dir.string(),
                                    platform.str(), have.empty() ? "none" : have));
        }
        current = *chosen;
    }
    ResolvedImage out;
    out.manifest = current;
    ImageManifest manifest = parse_image_manifest(read_blob(current.digest), current.digest.str());
    out.config = parse_image_config(read_blob(manifest.config.digest), manifest.config.digest.str());
    out.layers = manifest.layers;
    if (!platform_match_rank(platform, out.config.platform))
        throw Error(ErrorKind::input, fmt::format("image \"{}\" in {} is {}, not {}", ref, m_dir.string(),
                                                  out.config.platform.str(), platform.str()));
    if (out.layers.size() != out.config.diff_ids.size())
        throw Error(ErrorKind::input, fmt::format("image \"{}\" in {}: {} layers but {} diff_ids", ref, m_dir.string(),
                                                  out.layers.size(), out.config.diff_ids.size()));
    return out;
}

} // namespace mab::oci
