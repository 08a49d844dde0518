#include "exporter/oci_layout.hpp"

#include <fcntl.h>

#include <filesystem>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "exporter/archive_out.hpp"
#include "exporter/write_meter.hpp"
#include "oci/media_types.hpp"
#include "registry/reference.hpp"

namespace mab::exporter {

namespace {

const std::string k_layout_file = R"({"imageLayoutVersion":"1.0.0"})";

std::string blob_name(const oci::Digest& d) {
    return "blobs/" + std::string(d.algorithm()) + "/" + std::string(d.hex());
}

uint64_t size_of(const oci::Descriptor& blob) { return static_cast<uint64_t>(blob.size); }

// Copies a blob from the store to `target` through a temporary name, so an interrupted
// export never leaves a short blob.
void copy_blob(const std::filesystem::path& from, const std::filesystem::path& target, WriteMeter& meter) {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) throw_errno("open", from.string());
    AtomicFile out(target, 0644);
    read_chunks(in.get(), from, [&](const char* data, size_t size) {
        out.write(data, size);
        meter.add(size);
    });
    out.commit();
}

} // namespace

std::string layout_index_json(const AssembledImages& images, const std::vector<std::string>& names) {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_oci_index);
    if (names.empty()) index.manifests.push_back(images.root);
    for (const std::string& name : names) {
        registry::Reference ref = registry::Reference::parse(name);
        oci::Descriptor d = images.root;
        d.annotations[std::string(oci::k_annotation_image_name)] = ref.str();
        if (!ref.tag.empty()) d.annotations[std::string(oci::k_annotation_ref_name)] = ref.tag;
        index.manifests.push_back(d);
    }
    return oci::to_json(index);
}

void write_layout_tar(const AssembledImages& images, const std::vector<std::string>& names,
                      const oci::ContentStore& store, int fd, int64_t mtime,
                      const std::map<std::string, std::string>& extra_files, const OutputProgress& progress) {
    std::map<std::string, std::string> top = extra_files;
    top["index.json"] = layout_index_json(images, names);
    top["oci-layout"] = k_layout_file;

    // Sorted entries: blobs/ first, then the top-level files by name.
    std::map<std::string, oci::Digest> blobs;
    uint64_t total = 0;
    for (const oci::Descriptor& b : images.blobs)
        if (blobs.emplace(blob_name(b.digest), b.digest).second) total += size_of(b);
    for (const auto& [name, data] : top) total += data.size();

    WriteMeter meter(progress, "sending tarball", total);
    ArchiveOut tar(fd, mtime, &meter);
    tar.add_directory("blobs");
    tar.add_directory("blobs/sha256");
    for (const auto& [name, digest] : blobs) tar.add_file_from(name, store.path_of(digest));
    for (const auto& [name, data] : top) tar.add_file(name, data);
    tar.finish();
    meter.finish();
}

void write_layout_dir(const AssembledImages& images, const std::vector<std::string>& names,
                      const oci::ContentStore& store, const std::filesystem::path& dest,
                      const OutputProgress& progress) {
    std::filesystem::create_directories(dest / "blobs" / "sha256");
    // Blobs the layout already holds are not written again, and not counted.
    std::map<std::filesystem::path, oci::Descriptor> missing;
    for (const oci::Descriptor& b : images.blobs) {
        std::filesystem::path target = dest / blob_name(b.digest);
        if (!std::filesystem::exists(target)) missing.emplace(target, b);
    }
    const std::string index = layout_index_json(images, names);
    uint64_t total = k_layout_file.size() + index.size();
    for (const auto& [target, b] : missing) total += size_of(b);

    WriteMeter meter(progress, "copying files", total);
    for (const auto& [target, b] : missing) copy_blob(store.path_of(b.digest), target, meter);
    write_file_atomically(dest / "oci-layout", k_layout_file);
    meter.add(k_layout_file.size());
    // index.json last: the layout is only complete once it names the new images.
    write_file_atomically(dest / "index.json", index);
    meter.add(index.size());
    meter.finish();
}

} // namespace mab::exporter
