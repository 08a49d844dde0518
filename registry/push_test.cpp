// Pushes to a real docker-registry, read back with skopeo; upload requests counted at
// the fault proxy (which passes everything through when it has no rules).
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "registry/registry_client.hpp"
#include "registry/test_support/registry_bed.hpp"

using namespace mab;
using namespace mab::registry;
using namespace mab::registry::testing;
using oci::Platform;

namespace {

struct Counts {
    int upload_starts = 0;   // POST /blobs/uploads/ without mount
    int mounts = 0;          // POST ...?mount=
    int patches = 0;
    int blob_puts = 0;
    int heads = 0;
};

Counts count_requests(const RegistryBed& bed) {
    Counts c;
    for (const ProxyEntry& e : bed.proxy_log()) {
        bool uploads = e.path.find("/blobs/uploads/") != std::string::npos;
        if (e.method == "POST" && uploads) (e.query.find("mount=") != std::string::npos ? c.mounts : c.upload_starts)++;
        if (e.method == "PATCH" && uploads) ++c.patches;
        if (e.method == "PUT" && uploads) ++c.blob_puts;
        if (e.method == "HEAD" && e.path.find("/blobs/") != std::string::npos) ++c.heads;
    }
    return c;
}

oci::Descriptor two_platform_index(oci::ContentStore& store, int seed) {
    oci::Descriptor amd64 = make_image(store, Platform::parse("linux/amd64"), seed, 2);
    oci::Descriptor arm64 = make_image(store, Platform::parse("linux/arm64"), seed + 1, 2);
    return make_index(store, {amd64, arm64});
}

} // namespace

TEST_CASE("push an index with tags; skopeo reads it back; a second push uploads no blob", "[push]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-push-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor index = two_platform_index(store, 10);

    bed->clear_proxy_log();
    RegistryClient client(test_settings(tmp.path()), store);
    Reference repo = Reference::parse(bed->proxy + "/push/app");
    PushResult first = client.push_image(index, repo, {"1", "latest"});
    CHECK(first.root.digest == index.digest);
    CHECK(first.blobs_uploaded == 6);   // 2 configs + 4 layers
    CHECK(count_requests(*bed).upload_starts == 6);

    for (const char* tag : {"1", "latest"}) {
        ProcessResult raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                                 fmt::format("docker://{}/push/app:{}", bed->registry, tag)});
        REQUIRE(raw.exit_code == 0);
        CHECK(raw.out == store.get(index.digest));
    }
    // skopeo can read a platform's image through the index (manifest, config).
    ProcessResult arm = run({"skopeo", "inspect", "--tls-verify=false", "--override-arch", "arm64",
                             fmt::format("docker://{}/push/app:1", bed->registry)});
    REQUIRE(arm.exit_code == 0);
    CHECK(arm.out.find("\"Architecture\": \"arm64\"") != std::string::npos);

    // Again, with a client that knows nothing: every blob is found by HEAD, none is sent.
    bed->clear_proxy_log();
    RegistryClient again(test_settings(tmp.path()), store);
    PushResult second = again.push_image(index, repo, {"1"});
    CHECK(second.root.digest == index.digest);
    CHECK(second.blobs_uploaded == 0);
    CHECK(second.blobs_present == 6);
    Counts c = count_requests(*bed);
    CHECK(c.upload_starts == 0);
    CHECK(c.blob_puts == 0);
    CHECK(c.patches == 0);
    CHECK(c.heads == 6);
}

TEST_CASE("a blob known in another repository of the registry is mounted, not uploaded", "[push]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-push-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 20, 2);
    RegistryClient client(test_settings(tmp.path()), store);
    client.push_image(image, Reference::parse(bed->proxy + "/mount/source"), {"v1"});

    SECTION("learnt from an earlier push") {
        bed->clear_proxy_log();
        PushResult r = client.push_image(image, Reference::parse(bed->proxy + "/mount/target"), {"v1"});
        CHECK(r.blobs_mounted == 3);
        CHECK(r.blobs_uploaded == 0);
        Counts c = count_requests(*bed);
        CHECK(c.mounts == 3);
        CHECK(c.upload_starts == 0);
    }
    SECTION("learnt from a pull, by a new client, with blobs not in the local store") {
        // The new client's store holds only what the pull needs (manifest, config): the
        // layers are mounted from the repository they were pulled from.
        oci::ContentStore other(tmp.path() / "other-store");
        RegistryClient fresh(test_settings(tmp.path()), other);
        PulledImage pulled = fresh.resolve_image(Reference::parse(bed->proxy + "/mount/source:v1"),
                                                 Platform::parse("linux/amd64"));
        CHECK_FALSE(other.has(pulled.image.layers[0].digest));
        bed->clear_proxy_log();
        PushResult r = fresh.push_image(pulled.root, Reference::parse(bed->proxy + "/mount/from-pull"), {"v1"});
        CHECK(r.blobs_mounted == 3);
        CHECK(count_requests(*bed).upload_starts == 0);
        ProcessResult raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                                 fmt::format("docker://{}/mount/from-pull:v1", bed->registry)});
        CHECK(raw.out == store.get(image.digest));
    }
}

TEST_CASE("large blobs are uploaded in chunks and read back intact", "[push]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-push-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 30, 1, 300 << 10);
    Settings settings = test_settings(tmp.path());
    settings.chunked_upload_threshold = 64 << 10;
    settings.upload_chunk_size = 64 << 10;

    bed->clear_proxy_log();
    RegistryClient client(settings, store);
    client.push_image(image, Reference::parse(bed->proxy + "/chunked/app"), {"v1"});
    Counts c = count_requests(*bed);
    CHECK(c.patches >= 5);   // the ~300 KiB layer in 64 KiB chunks; the config is small
    CHECK(c.blob_puts == 2);

    oci::ContentStore back(tmp.path() / "back");
    RegistryClient reader(test_settings(tmp.path()), back);
    PulledImage pulled = reader.pull_image(Reference::parse(bed->registry + "/chunked/app:v1"),
                                           Platform::parse("linux/amd64"));
    REQUIRE(pulled.image.layers.size() == 1);
    CHECK(pulled.image.layers[0].size > (200 << 10));
    CHECK(back.verify(pulled.image.layers[0].digest));
}

TEST_CASE("push by digest leaves no tag", "[push]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-push-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/arm64"), 40);
    RegistryClient client(test_settings(tmp.path()), store);
    PushResult r = client.push_image(image, Reference::parse(bed->registry + "/bydigest/app"), {});
    CHECK(r.root.digest == image.digest);

    ProcessResult raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                             fmt::format("docker://{}/bydigest/app@{}", bed->registry, image.digest.str())});
    REQUIRE(raw.exit_code == 0);
    CHECK(raw.out == store.get(image.digest));
    ProcessResult tags = run({"skopeo", "list-tags", "--tls-verify=false",
                              fmt::format("docker://{}/bydigest/app", bed->registry)});
    CHECK(tags.out.find("\"latest\"") == std::string::npos);
}

TEST_CASE("pushing an image whose blobs are missing everywhere names the blob", "[push]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-push-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 50);
    oci::ImageManifest manifest = oci::parse_image_manifest(store.get(image.digest), "test");
    std::filesystem::permissions(store.path_of(manifest.layers[0].digest), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::filesystem::remove(store.path_of(manifest.layers[0].digest));
    RegistryClient client(test_settings(tmp.path()), store);
    try {
        client.push_image(image, Reference::parse(bed->registry + "/missing/app"), {"v1"});
        FAIL("push should fail");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find(manifest.layers[0].digest.str()) != std::string::npos);
    }
}
