// Reading an OCI image layout directory (image-spec layout.md): index.json, blobs by
// digest. Used for `--build-context NAME=oci-layout://DIR[:TAG|@DIGEST]` base images.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/image.hpp"
#include "oci/platform.hpp"

namespace mab::oci {

class ContentStore;

// One platform's image: what lowering needs (config) and building needs (layers).
struct ResolvedImage {
    Descriptor manifest;
    ImageConfig config;
    std::vector<Descriptor> layers;
};

class ImageLayout {
public:
    // Throws Error(input) if `dir` is not an OCI layout (no oci-layout / index.json).
    explicit ImageLayout(std::filesystem::path dir);

    // The index.json entry for `ref`: "" (the only entry), a tag (the entry's
    // org.opencontainers.image.ref.name), or a digest "sha256:…".
    Descriptor find(const std::string& ref) const;
    // The manifest, config and layers of `ref` for `platform` (index entries chosen with
    // containerd's matching rules). Errors name the layout, the ref and the platform.
    ResolvedImage resolve(const std::string& ref, const Platform& platform) const;

    std::filesystem::path blob_path(const Digest& digest) const;
    // Copies `blob` into `store` unless it is there, verified against its digest.
    // Throws Error(input) naming the digest and the layout if the layout lacks it.
    void import_blob(const Descriptor& blob, ContentStore& store) const;
    // A small blob, verified against its digest.
    std::string read_blob(const Digest& digest) const;
    const std::filesystem::path& dir() const { return m_dir; }

private:
    std::filesystem::path m_dir;
    ImageIndex m_index;
};

} // namespace mab::oci
