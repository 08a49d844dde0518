#include "engine/ops/image_source.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/in_root.hpp"
#include "snapshotter/layer_apply.hpp"

namespace mab::engine::ops {

namespace fs = std::filesystem;

void import_blob(oci::ContentStore& store, const oci::Descriptor& blob, const std::vector<fs::path>& layout_dirs) {
    if (store.has(blob.digest)) return;
    for (const fs::path& dir : layout_dirs) {
        fs::path path = dir / "blobs" / std::string(blob.digest.algorithm()) / std::string(blob.digest.hex());
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!fd) continue;
        oci::ContentStore::Writer writer(store);
        char buf[1 << 16];
        for (;;) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_errno("read", path.string());
            }
            if (n == 0) break;
            writer.write(buf, static_cast<size_t>(n));
        }
        // commit() refuses content that does not match the digest the manifest names.
        writer.commit(blob.media_type, blob.digest);
        return;
    }
    throw Error(ErrorKind::input, fmt::format("blob {} of a base image was not found in any given OCI layout",
                                              blob.digest.str()));
}

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
                                      const std::vector<fs::path>& layout_dirs, const fs::path& rootfs) {
    if (image.layers.size() != image.diff_ids.size())
        throw Error(ErrorKind::input, fmt::format("image {}: layers and diff_ids differ in number", image.manifest.str()));
    snapshotter::RootFs root(rootfs);
    std::vector<LayerRecord> records;
    for (size_t i = 0; i < image.layers.size(); ++i) {
        const oci::Descriptor& blob = image.layers[i];
        import_blob(store, blob, layout_dirs);
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
