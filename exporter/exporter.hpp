// The exporter's front door: what was built (plain oci data, no engine types) and
// where it goes. Each output type lives in a file of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/compression.hpp"
#include "oci/content_store.hpp"
#include "oci/descriptor.hpp"
#include "oci/image.hpp"
#include "oci/platform.hpp"
#include "registry/blob_progress.hpp"

namespace mab::registry {
class RegistryClient;
}

namespace mab::exporter {

// One platform's image as the engine produced it. `config` has diff_ids and history
// filled; `layers` are blobs in the content store matching diff_ids one to one.
struct PlatformImage {
    oci::ImageConfig config;
    std::vector<oci::Descriptor> layers;
    std::filesystem::path rootfs;     // the final filesystem, for local/tar outputs
    // Written into the image's manifest as they are (OCI media types only), e.g. the
    // inline build cache (--cache-to type=inline).
    std::map<std::string, std::string> manifest_annotations = {};
};

struct ImageSet {
    std::vector<PlatformImage> images;  // in --platform order
};

// `image` is buildx's image exporter; type=registry and --push are it with push=true.
enum class OutputType { oci, docker, local, tar, image };

// "oci", "docker", "local", "tar", "image": the type= words.
const char* output_type_name(OutputType type);

// `-o` parsed into types (cli/output_flag.cpp does the parsing).
struct OutputSpec {
    OutputType type = OutputType::oci;
    std::string dest;                       // path, or "-" for stdout
    bool tar = true;                        // oci: false writes a layout directory
    std::optional<bool> oci_mediatypes;     // default: true for oci, false for docker
    oci::Compression compression = oci::Compression::gzip;
    std::optional<int> compression_level;
    std::vector<std::string> names;         // name= and -t, normalised references
    std::optional<int64_t> source_date_epoch;
    // type=image: push to the registries `names` point at (mab keeps no local image
    // store, so an image output that does not push is refused).
    bool push = false;
    bool push_by_digest = false;   // push untagged: names must carry no tag
    bool name_canonical = false;   // report name@digest too (ExportResult::image_name)

    bool uses_oci_mediatypes() const { return oci_mediatypes.value_or(type != OutputType::docker); }
};

struct ExportResult {
    oci::Descriptor root;          // the index (several platforms) or the manifest
    oci::Digest config_digest;     // single platform: its config (docker's image ID)
    std::string image_name;        // pushes: the names, comma-separated (buildx's image.name)
};

// Bytes written into a tarball or directory output so far (exporter/write_meter.hpp):
// `what` names the part as buildx does ("sending tarball", "copying files"), `total`
// is 0 while not known; the last call has current == total. Called on the exporting
// thread, at most ten times a second.
using OutputProgress = std::function<void(const std::string& what, uint64_t current, uint64_t total)>;

// What an export may need besides the images and the store.
struct ExportEnvironment {
    // Pushes go through it (on the same content store): a client that pulled the base
    // images knows which repositories hold their blobs, so pushes mount them.
    registry::RegistryClient* registry = nullptr;
    std::function<void(const std::string&)> progress;    // a line per stage; may be empty
    // Bytes of each blob a push uploads (registry::RegistryClient::push_image); may be empty.
    registry::BlobProgress blob_progress;
    // Bytes written by the oci, docker, local and tar outputs; may be empty.
    OutputProgress output_progress;
};

// Checks `spec` on its own, before anything is built: throws Error(usage) for a missing
// destination, an image output that does not push, a push without a name, ...
void check_output(const OutputSpec& spec);

// Writes the images as `spec` says; nothing partial is left behind on failure (a push
// that fails for one of several repositories throws; what reached the others stays).
ExportResult export_images(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                           const ExportEnvironment& environment = {});

} // namespace mab::exporter
