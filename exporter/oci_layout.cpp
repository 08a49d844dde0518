#include "exporter/oci_layout.hpp"

#include <filesystem>

#include "base/atomic_file.hpp"
#include "exporter/archive_out.hpp"
#include "oci/media_types.hpp"
#include "registry/reference.hpp"

namespace mab::exporter {

namespace {

const std::string k_layout_file = R"({"imageLayoutVersion":"1.0.0"})";

std::string blob_name(const oci::Digest& d) {
    return "blobs/" + std::string(d.algorithm()) + "/" + std::string(d.hex());
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
                      const std::map<std::string, std::string>& extra_files) {
    std::map<std::string, std::string> top = extra_files;
    top["index.json"] = layout_index_json(images, names);
    top["oci-layout"] = k_layout_file;

    // Sorted entries: blobs/ first, then the top-level files by name.
    std::map<std::string, oci::Digest> blobs;
    for (const oci::Descriptor& b : images.blobs) blobs.emplace(blob_name(b.digest), b.digest);

    ArchiveOut tar(fd, mtime);
    tar.add_directory("blobs");
    tar.add_directory("blobs/sha256");
    for (const auto& [name, digest] : blobs) tar.add_file_from(name, store.path_of(digest));
    for (const auto& [name, data] : top) tar.add_file(name, data);
    tar.finish();
}

void write_layout_dir(const AssembledImages& images, const std::vector<std::string>& names,
                      const oci::ContentStore& store, const std::filesystem::path& dest) {
    std::filesystem::create_directories(dest / "blobs" / "sha256");
    for (const oci::Descriptor& b : images.blobs) {
        std::filesystem::path target = dest / blob_name(b.digest);
        if (std::filesystem::exists(target)) continue;
        // Copy through a temporary name so an interrupted export never leaves a short blob.
        std::filesystem::path temp = target;
        temp += ".tmp";
        std::filesystem::copy_file(store.path_of(b.digest), temp,
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::rename(temp, target);
    }
    write_file_atomically(dest / "oci-layout", k_layout_file);
    // index.json last: the layout is only complete once it names the new images.
    write_file_atomically(dest / "index.json", layout_index_json(images, names));
}

} // namespace mab::exporter
