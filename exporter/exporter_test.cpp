// Exporter tests over real content: layers are real blobs in a content store, outputs
// are real files read back with libarchive and RapidJSON.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "exporter/docker_archive.hpp"
#include "exporter/exporter.hpp"
#include "exporter/image_assembly.hpp"
#include "exporter/oci_layout.hpp"
#include "exporter/write_meter.hpp"
#include "oci/media_types.hpp"

using namespace mab;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    TempDir dir{fs::temp_directory_path(), "mab-exporter-test-"};
    oci::ContentStore store{dir.path() / "content"};

    // An image with one "layer" blob (the bytes need not be a tar for assembly).
    exporter::PlatformImage image(const std::string& platform, const std::string& layer_data) {
        exporter::PlatformImage img;
        img.config.platform = oci::Platform::parse(platform);
        img.config.created = "1970-01-01T00:00:00Z";
        oci::Descriptor layer = store.put(layer_data, std::string(oci::media_type::k_oci_layer_gzip));
        img.layers.push_back(layer);
        img.config.diff_ids.push_back(oci::sha256_of("diff:" + layer_data));
        img.rootfs = dir.path() / ("rootfs-" + img.config.platform.dir_name());
        fs::create_directories(img.rootfs / "etc");
        write_file_atomically(img.rootfs / "etc" / "arch", img.config.platform.str());
        return img;
    }
};

// name -> contents of every regular file in a tar.
std::map<std::string, std::string> read_tar(const fs::path& path) {
    std::map<std::string, std::string> out;
    archive* a = archive_read_new();
    archive_read_support_format_tar(a);
    REQUIRE(archive_read_open_filename(a, path.c_str(), 10240) == ARCHIVE_OK);
    archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        std::string data;
        char buf[4096];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
        out[archive_entry_pathname(e)] = data;
    }
    archive_read_free(a);
    return out;
}

// What an OutputProgress heard, in order.
struct Heard {
    std::string what;
    uint64_t current = 0;
    uint64_t total = 0;
};

struct Recorder {
    std::vector<Heard> heard;
    exporter::OutputProgress callback() {
        return [this](const std::string& what, uint64_t current, uint64_t total) {
            heard.push_back({what, current, total});
        };
    }
    // Every report names `what`, never goes back, and only the last is complete.
    void check_ends_complete(const std::string& what, uint64_t bytes) const {
        REQUIRE(heard.size() >= 2);
        for (size_t i = 0; i < heard.size(); ++i) {
            CHECK(heard[i].what == what);
            if (i > 0) CHECK(heard[i].current >= heard[i - 1].current);
            if (i + 1 < heard.size()) CHECK_FALSE((heard[i].total != 0 && heard[i].current >= heard[i].total));
        }
        CHECK(heard.front().current == 0);
        CHECK(heard.back().current == bytes);
        CHECK(heard.back().total == bytes);
    }
};

rapidjson::Document json(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

} // namespace

TEST_CASE("several platforms become an index of per-platform manifests") {
    Fixture f;
    exporter::ImageSet set{{f.image("linux/amd64", "a"), f.image("linux/arm/v7", "b")}};
    exporter::AssembledImages out = exporter::assemble_images(set, true, f.store);
    CHECK(out.root.media_type == oci::media_type::k_oci_index);
    REQUIRE(out.manifests.size() == 2);
    CHECK(out.manifests[1].platform->str() == "linux/arm/v7");
    oci::ImageIndex index = oci::parse_image_index(f.store.get(out.root.digest), "index");
    CHECK(index.manifests == out.manifests);
    // root, 2 manifests, 2 configs, 2 layers: every blob once, root first
    CHECK(out.blobs.size() == 7);
    CHECK(out.blobs.front().digest == out.root.digest);
}

TEST_CASE("one platform exports its manifest directly; docker media types on request") {
    Fixture f;
    exporter::ImageSet set{{f.image("linux/arm64", "a")}};
    exporter::AssembledImages out = exporter::assemble_images(set, false, f.store);
    CHECK(out.root.media_type == oci::media_type::k_docker_manifest);
    CHECK_FALSE(out.root.platform);
    oci::ImageManifest m = oci::parse_image_manifest(f.store.get(out.root.digest), "manifest");
    CHECK(m.config.media_type == oci::media_type::k_docker_config);
    CHECK(m.layers.at(0).media_type == oci::media_type::k_docker_layer_gzip);
}

TEST_CASE("the layout index names each tag like BuildKit") {
    Fixture f;
    exporter::AssembledImages out =
        exporter::assemble_images({{f.image("linux/amd64", "a")}}, true, f.store);
    rapidjson::Document d = json(exporter::layout_index_json(out, {"app:1", "localhost:5000/x/y"}));
    REQUIRE(d["manifests"].Size() == 2);
    CHECK(std::string(d["manifests"][0]["annotations"]["io.containerd.image.name"].GetString()) ==
          "docker.io/library/app:1");
    CHECK(std::string(d["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"].GetString()) == "1");
    CHECK(std::string(d["manifests"][1]["annotations"]["org.opencontainers.image.ref.name"].GetString()) ==
          "latest");
    rapidjson::Document plain = json(exporter::layout_index_json(out, {}));
    CHECK_FALSE(plain["manifests"][0].HasMember("annotations"));
}

TEST_CASE("oci tarball: layout files and every blob, verified by digest") {
    Fixture f;
    exporter::ImageSet set{{f.image("linux/amd64", "a"), f.image("linux/arm64", "b")}};
    exporter::OutputSpec spec;
    spec.dest = (f.dir.path() / "out.tar").string();
    exporter::ExportResult result = exporter::export_images(set, spec, f.store);
    std::map<std::string, std::string> files = read_tar(spec.dest);
    CHECK(files.at("oci-layout") == R"({"imageLayoutVersion":"1.0.0"})");
    CHECK(files.count("index.json") == 1);
    std::string root_name = "blobs/sha256/" + std::string(result.root.digest.hex());
    REQUIRE(files.count(root_name) == 1);
    for (const auto& [name, data] : files) {
        if (name.rfind("blobs/sha256/", 0) != 0 || name.back() == '/') continue;
        CHECK("blobs/sha256/" + std::string(oci::sha256_of(data).hex()) == name);
    }
    // Deterministic: the same export gives the same bytes.
    exporter::OutputSpec again = spec;
    again.dest = (f.dir.path() / "again.tar").string();
    exporter::export_images(set, again, f.store);
    CHECK(read_file(spec.dest) == read_file(again.dest));
}

TEST_CASE("docker tarball carries manifest.json; several platforms are refused") {
    Fixture f;
    exporter::OutputSpec spec;
    spec.type = exporter::OutputType::docker;
    spec.dest = (f.dir.path() / "d.tar").string();
    spec.names = {"app:1"};
    exporter::export_images({{f.image("linux/arm64", "a")}}, spec, f.store);
    rapidjson::Document m = json(read_tar(spec.dest).at("manifest.json"));
    CHECK(std::string(m[0]["RepoTags"][0].GetString()) == "app:1");
    CHECK(m[0]["Layers"].Size() == 1);

    exporter::OutputSpec multi = spec;
    multi.dest = (f.dir.path() / "multi.tar").string();
    CHECK_THROWS_WITH(exporter::export_images({{f.image("linux/amd64", "a"), f.image("linux/arm64", "b")}},
                                              multi, f.store),
                      Catch::Contains("does not currently support exporting manifest lists"));
    CHECK_FALSE(fs::exists(multi.dest));
}

TEST_CASE("local output: the rootfs, one directory per platform when several") {
    Fixture f;
    exporter::OutputSpec spec;
    spec.type = exporter::OutputType::local;
    spec.dest = (f.dir.path() / "local").string();
    exporter::export_images({{f.image("linux/amd64", "a"), f.image("linux/arm64", "b")}}, spec, f.store);
    CHECK(read_file(fs::path(spec.dest) / "linux_arm64" / "etc" / "arch") == "linux/arm64");
    CHECK(read_file(fs::path(spec.dest) / "linux_amd64" / "etc" / "arch") == "linux/amd64");
    CHECK(std::distance(fs::directory_iterator(spec.dest), fs::directory_iterator()) == 2);
}

TEST_CASE("outputs without a destination are usage errors") {
    Fixture f;
    exporter::OutputSpec spec;
    try {
        exporter::export_images({{f.image("linux/amd64", "a")}}, spec, f.store);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK_THAT(e.what(), Catch::Contains("dest="));
    }
}

TEST_CASE("a write meter reports the start, at most once per interval, and the end") {
    Recorder seldom;
    {
        exporter::WriteMeter meter(seldom.callback(), "sending tarball", 10 * 65536, std::chrono::hours(1));
        for (int i = 0; i < 10; ++i) meter.add(65536);
        meter.finish();
    }
    // 64 KiB writes within the interval say nothing: the first and the last only.
    REQUIRE(seldom.heard.size() == 2);
    seldom.check_ends_complete("sending tarball", 10 * 65536);
    CHECK(seldom.heard.front().total == 10 * 65536);

    Recorder always;
    {
        exporter::WriteMeter meter(always.callback(), "sending tarball", 300, std::chrono::milliseconds(0));
        for (int i = 0; i < 3; ++i) meter.add(100);
        meter.finish();
    }
    // The write that reaches the total waits for finish(): only the end says done.
    REQUIRE(always.heard.size() == 4);
    CHECK(always.heard[2].current == 200);
    always.check_ends_complete("sending tarball", 300);

    Recorder unknown;
    {
        exporter::WriteMeter meter(unknown.callback(), "sending tarball", std::nullopt, std::chrono::milliseconds(0));
        meter.add(1234);
        meter.finish();
    }
    // Without a total up front the reports carry 0 until the end makes it known.
    REQUIRE(unknown.heard.size() == 3);
    CHECK(unknown.heard[1].current == 1234);
    CHECK(unknown.heard[1].total == 0);
    unknown.check_ends_complete("sending tarball", 1234);
}

TEST_CASE("outputs report the bytes they write: tarballs their files, directories what they copy") {
    Fixture f;
    exporter::ImageSet set{{f.image("linux/amd64", std::string(300000, 'a')), f.image("linux/arm64", "b")}};
    exporter::OutputSpec spec;
    spec.dest = (f.dir.path() / "out.tar").string();
    Recorder tarball;
    exporter::ExportEnvironment environment;
    std::vector<std::string> lines;
    environment.progress = [&](const std::string& line) { lines.push_back(line); };
    environment.output_progress = tarball.callback();
    exporter::ExportResult result = exporter::export_images(set, spec, f.store, environment);
    uint64_t in_tar = 0;
    for (const auto& [name, data] : read_tar(spec.dest)) in_tar += data.size();
    tarball.check_ends_complete("sending tarball", in_tar);
    // buildx's lines before the bytes: layers, each platform's manifest and config, the index.
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "exporting layers done");
    CHECK_THAT(lines[1], Catch::Matches("exporting manifest sha256:[0-9a-f]{64} done"));
    CHECK_THAT(lines[2], Catch::Matches("exporting config sha256:[0-9a-f]{64} done"));
    CHECK(lines[5] == "exporting manifest list " + result.root.digest.str() + " done");

    // Exports `set` to DEST in the fixture's directory; returns what its progress heard.
    auto export_heard = [&](exporter::OutputType type, const std::string& dest, bool tar) {
        exporter::OutputSpec out;
        out.type = type;
        out.tar = tar;
        out.dest = (f.dir.path() / dest).string();
        Recorder heard;
        environment.output_progress = heard.callback();
        exporter::export_images(set, out, f.store, environment);
        return heard;
    };

    // A layout directory: the blobs it lacks and its two JSON files.
    const fs::path layout = f.dir.path() / "layout";
    Recorder first = export_heard(exporter::OutputType::oci, "layout", false);
    uint64_t on_disk = 0;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(layout))
        if (e.is_regular_file()) on_disk += e.file_size();
    first.check_ends_complete("copying files", on_disk);
    export_heard(exporter::OutputType::oci, "layout", false)
        .check_ends_complete("copying files",
                             read_file(layout / "oci-layout").size() + read_file(layout / "index.json").size());

    // The final filesystem: a local directory counts its files, a tar its own bytes.
    export_heard(exporter::OutputType::local, "local", true)
        .check_ends_complete("copying files", std::string("linux/amd64").size() + std::string("linux/arm64").size());
    export_heard(exporter::OutputType::tar, "rootfs.tar", true)
        .check_ends_complete("sending tarball", fs::file_size(f.dir.path() / "rootfs.tar"));
}
