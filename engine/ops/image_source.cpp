#include "engine/ops/image_source.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include "base/error.hpp"
#include "snapshotter/in_root.hpp"
#include "snapshotter/layer_apply.hpp"

namespace mab::engine::ops {

namespace fs = std::filesystem;

namespace {

struct Uncompressed {
    oci::Digest digest;
    uint64_t size = 0;
};

// The diff_id of a layer blob: sha256 over its decompressed bytes (gzip, zstd or none,
// detected from the bytes). Checked before the layer touches the snapshot.
Uncompressed uncompressed_digest(const fs::path& blob) {
    archive* a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    struct Closer {
        archive* a;
        ~Closer() { archive_read_free(a); }
    } closer{a};
    archive_entry* entry = nullptr;
    if (archive_read_open_filename(a, blob.c_str(), 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a, &entry) != ARCHIVE_OK)
        throw Error(ErrorKind::input, fmt::format("read layer {}: {}", blob.string(), archive_error_string(a)));
    oci::Sha256 hash;
    char buf[1 << 16];
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, sizeof buf);
        if (n < 0) throw Error(ErrorKind::input, fmt::format("read layer {}: {}", blob.string(), archive_error_string(a)));
        if (n == 0) break;
        hash.update(buf, static_cast<size_t>(n));
    }
    Uncompressed out;
    out.size = hash.bytes();
    out.digest = hash.finish();
    return out;
}

} // namespace

std::vector<LayerRecord> unpack_image(const graph::ImageSource& image, const oci::Digest& vertex,
                                      const std::string& description, oci::ContentStore& store,
                                      const BlobFetcher& fetch_blobs, const fs::path& rootfs) {
    if (image.layers.size() != image.diff_ids.size())
        throw Error(ErrorKind::input, fmt::format("image {}: layers and diff_ids differ in number", image.manifest.str()));
    std::vector<oci::Descriptor> missing;
    for (const oci::Descriptor& blob : image.layers)
        if (!store.has(blob.digest)) missing.push_back(blob);
    if (!missing.empty()) {
        if (!fetch_blobs)
            throw Error(ErrorKind::internal, fmt::format("no source for the layers of image {}", image.manifest.str()));
        fetch_blobs(image.manifest, missing);
    }
    snapshotter::RootFs root(rootfs);
    std::vector<LayerRecord> records;
    for (size_t i = 0; i < image.layers.size(); ++i) {
        const oci::Descriptor& blob = image.layers[i];
        if (!store.has(blob.digest))
            throw Error(ErrorKind::internal, fmt::format("layer {} of image {} was not fetched", blob.digest.str(),
                                                         image.manifest.str()));
        const Uncompressed uncompressed = uncompressed_digest(store.path_of(blob.digest));
        if (uncompressed.digest != image.diff_ids[i])
            throw Error(ErrorKind::input,
                        fmt::format("layer {} of image {} unpacks to {}, but its config says {}", blob.digest.str(),
                                    image.manifest.str(), uncompressed.digest.str(), image.diff_ids[i].str()));
        snapshotter::apply_layer(store.path_of(blob.digest), root);
        LayerRecord record;
        record.layer = snapshotter::Layer{image.diff_ids[i], blob, uncompressed.size};
        record.vertex = vertex;
        record.description = description;
        records.push_back(std::move(record));
    }
    return records;
}

} // namespace mab::engine::ops
