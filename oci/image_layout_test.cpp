// An OCI layout written by hand (nested index -> two manifests), read back.
#include <catch2/catch.hpp>

#include <filesystem>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "oci/image_layout.hpp"
#include "oci/media_types.hpp"

using namespace mab;
using namespace mab::oci;
namespace fs = std::filesystem;

namespace {

struct LayoutFixture {
    TempDir dir{fs::temp_directory_path(), "mab-layout-test-"};

    Descriptor blob(const std::string& data, std::string_view media_type) {
        Descriptor d{std::string(media_type), sha256_of(data), static_cast<int64_t>(data.size()), {}, {}};
        fs::create_directories(dir.path() / "blobs" / "sha256");
        write_file_atomically(dir.path() / "blobs" / "sha256" / std::string(d.digest.hex()), data);
        return d;
    }

    Descriptor image(const std::string& platform, const std::string& layer_data) {
        ImageConfig config;
        config.platform = Platform::parse(platform);
        config.diff_ids.push_back(sha256_of(layer_data));
        config.config.env = {"ARCH=" + platform};
        ImageManifest m;
        m.media_type = std::string(media_type::k_oci_manifest);
        m.config = blob(to_json(config), media_type::k_oci_config);
        m.layers.push_back(blob(layer_data, media_type::k_oci_layer));
        Descriptor d = blob(to_json(m), media_type::k_oci_manifest);
        d.platform = config.platform;
        return d;
    }

    // index.json -> (tagged) image index -> manifests
    void write(const std::vector<Descriptor>& manifests, const std::string& tag) {
        ImageIndex inner{std::string(media_type::k_oci_index), manifests, {}};
        Descriptor root = blob(to_json(inner), media_type::k_oci_index);
        root.annotations[std::string(k_annotation_ref_name)] = tag;
        ImageIndex top{std::string(media_type::k_oci_index), {root}, {}};
        write_file_atomically(dir.path() / "index.json", to_json(top));
        write_file_atomically(dir.path() / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    }
};

} // namespace

TEST_CASE("a layout resolves a tag through a nested index to the platform's image") {
    LayoutFixture f;
    f.write({f.image("linux/amd64", "amd64 layer"), f.image("linux/arm/v6", "armv6 layer")}, "1.36");
    ImageLayout layout(f.dir.path());
    ResolvedImage amd = layout.resolve("1.36", Platform::parse("linux/amd64"));
    CHECK(amd.config.config.env == std::vector<std::string>{"ARCH=linux/amd64"});
    REQUIRE(amd.layers.size() == 1);
    CHECK(amd.layers[0].digest == sha256_of("amd64 layer"));
    // arm/v7 falls back to the v6 image; "" names the only image.
    CHECK(layout.resolve("", Platform::parse("linux/arm/v7")).config.platform.variant == "v6");
    CHECK_THROWS_WITH(layout.resolve("1.36", Platform::parse("linux/s390x")),
                      Catch::Contains("no linux/s390x variant") && Catch::Contains("linux/amd64"));
    CHECK_THROWS_WITH(layout.resolve("2.0", Platform::parse("linux/amd64")), Catch::Contains("no image \"2.0\""));
}

TEST_CASE("a layout's blobs are verified and its shape checked") {
    LayoutFixture f;
    Descriptor d = f.image("linux/arm64", "x");
    f.write({d}, "latest");
    ImageLayout layout(f.dir.path());
    write_file_atomically(layout.blob_path(d.digest), "tampered");
    CHECK_THROWS_WITH(layout.resolve("latest", Platform::parse("linux/arm64")),
                      Catch::Contains("does not match its digest"));
    TempDir empty(fs::temp_directory_path(), "mab-layout-test-");
    CHECK_THROWS_WITH(ImageLayout(empty.path()), Catch::Contains("is not an OCI image layout"));
}
