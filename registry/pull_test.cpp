// Pulls from a real docker-registry (tests/registry/registry_bed.py) of images that
// skopeo pushed from OCI layouts made here.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "oci/media_types.hpp"
#include "registry/registry_client.hpp"
#include "registry/test_support/registry_bed.hpp"

using namespace mab;
using namespace mab::registry;
using namespace mab::registry::testing;
using oci::Platform;

namespace {

struct MultiArch {
    oci::Descriptor index, amd64, arm64, armv6;
};

// An index of three single-layer images, pushed by skopeo to HOST/REPO:TAG.
MultiArch push_multiarch_with_skopeo(const std::filesystem::path& work, const std::string& target,
                                     const std::string& format = "") {
    std::filesystem::path layout_dir = work / "layout";
    oci::ContentStore layout(layout_dir);
    MultiArch m;
    m.amd64 = make_image(layout, Platform::parse("linux/amd64"), 1);
    m.arm64 = make_image(layout, Platform::parse("linux/arm64"), 2);
    m.armv6 = make_image(layout, Platform::parse("linux/arm/v6"), 3);
    m.index = make_index(layout, {m.amd64, m.arm64, m.armv6});
    finish_oci_layout(layout_dir, m.index, "v1");
    std::vector<std::string> argv{"skopeo", "copy", "--all", "--dest-tls-verify=false"};
    // OCI -> OCI keeps every digest; v2s2 rewrites manifests (and must compress layers).
    if (format.empty()) argv.push_back("--preserve-digests");
    if (!format.empty()) argv.insert(argv.end(), {"--format", format});
    argv.insert(argv.end(), {"oci:" + layout_dir.string() + ":v1", "docker://" + target});
    ProcessResult r = run(argv);
    REQUIRE(r.exit_code == 0);
    return m;
}

} // namespace

TEST_CASE("pull chooses the platform's manifest from an index skopeo pushed", "[pull]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-pull-");
    std::string name = bed->registry + "/pull/multi:v1";
    MultiArch pushed = push_multiarch_with_skopeo(tmp.path(), name);

    oci::ContentStore store(tmp.path() / "store");
    RegistryClient client(test_settings(tmp.path()), store);
    Reference ref = Reference::parse(name);

    PulledImage arm64 = client.pull_image(ref, Platform::parse("linux/arm64"));
    CHECK(arm64.root.digest == pushed.index.digest);
    CHECK(arm64.root.media_type == oci::media_type::k_oci_index);
    CHECK(arm64.image.manifest.digest == pushed.arm64.digest);
    CHECK(arm64.image.config.platform.architecture == "arm64");
    REQUIRE(arm64.image.layers.size() == 1);
    CHECK(store.verify(arm64.image.layers[0].digest));
    CHECK(store.verify(pushed.index.digest));
    CHECK(store.verify(pushed.arm64.digest));
    // Only the chosen platform's blobs were fetched.
    CHECK_FALSE(store.has(pushed.amd64.digest));

    // containerd's rules: an arm/v7 request takes the v6 image; arm64/v8 is arm64.
    CHECK(client.resolve_image(ref, Platform::parse("linux/arm/v7")).image.manifest.digest == pushed.armv6.digest);
    CHECK(client.resolve_image(ref, Platform::parse("linux/arm64/v8")).image.manifest.digest == pushed.arm64.digest);
    CHECK(client.resolve_image(ref, Platform::parse("linux/amd64")).image.manifest.digest == pushed.amd64.digest);

    // A platform the index lacks is an error that lists what it has.
    try {
        client.resolve_image(ref, Platform::parse("linux/s390x"));
        FAIL("resolving linux/s390x should fail");
    } catch (const Error& e) {
        std::string msg = e.what();
        CHECK(msg.find("linux/s390x") != std::string::npos);
        CHECK(msg.find("linux/arm/v6") != std::string::npos);
    }

    // By digest: the same image.
    Reference by_digest = Reference::parse(bed->registry + "/pull/multi@" + pushed.index.digest.str());
    CHECK(client.resolve_image(by_digest, Platform::parse("linux/arm64")).image.manifest.digest ==
          pushed.arm64.digest);
}

TEST_CASE("pull negotiates Docker manifest lists and schema 2 manifests", "[pull]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-pull-");
    std::string name = bed->registry + "/pull/docker-types:v1";
    push_multiarch_with_skopeo(tmp.path(), name, "v2s2");

    oci::ContentStore store(tmp.path() / "store");
    RegistryClient client(test_settings(tmp.path()), store);
    PulledImage img = client.pull_image(Reference::parse(name), Platform::parse("linux/amd64"));
    CHECK(img.root.media_type == oci::media_type::k_docker_manifest_list);
    CHECK(img.image.manifest.media_type == oci::media_type::k_docker_manifest);
    CHECK(img.image.config.platform.architecture == "amd64");
    REQUIRE(img.image.layers.size() == 1);
    CHECK(store.verify(img.image.layers[0].digest));
}

TEST_CASE("inspect returns the index exactly as served", "[pull]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-pull-");
    std::string name = bed->registry + "/pull/inspect:v1";
    MultiArch pushed = push_multiarch_with_skopeo(tmp.path(), name);

    oci::ContentStore store(tmp.path() / "store");
    RegistryClient client(test_settings(tmp.path()), store);
    ManifestData m = client.inspect(Reference::parse(name));
    oci::ContentStore layout(tmp.path() / "layout");
    CHECK(m.raw == layout.get(pushed.index.digest));
    CHECK(m.descriptor.digest == pushed.index.digest);
    CHECK(m.descriptor.media_type == oci::media_type::k_oci_index);

    // A tag that is not there names the manifest and the registry's answer.
    try {
        client.inspect(Reference::parse(bed->registry + "/pull/inspect:nope"));
        FAIL("inspecting a missing tag should fail");
    } catch (const Error& e) {
        std::string msg = e.what();
        CHECK(msg.find("pull/inspect:nope") != std::string::npos);
        CHECK(msg.find("404") != std::string::npos);
    }
}

TEST_CASE("mirrors serve pulls first and a dead mirror falls back to the origin", "[pull]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-pull-");
    std::string name = bed->registry + "/pull/mirrored:v1";
    MultiArch pushed = push_multiarch_with_skopeo(tmp.path(), name);

    SECTION("the mirror answers: the origin (which is down) is never asked") {
        // The origin is a closed port; the mirror is the registry behind the proxy, so
        // the proxy's log shows the pull went there.
        bed->clear_proxy_log();
        Settings settings = test_settings(tmp.path());
        settings.hosts["127.0.0.1:1"].mirrors = {bed->proxy};
        oci::ContentStore store(tmp.path() / "store-a");
        RegistryClient client(settings, store);
        PulledImage img = client.pull_image(Reference::parse("127.0.0.1:1/pull/mirrored:v1"),
                                            Platform::parse("linux/arm64"));
        CHECK(img.image.manifest.digest == pushed.arm64.digest);
        CHECK(store.verify(img.image.layers[0].digest));
        int blob_gets = 0;
        for (const ProxyEntry& e : bed->proxy_log())
            if (e.method == "GET" && e.path.find("/v2/pull/mirrored/blobs/") == 0) ++blob_gets;
        CHECK(blob_gets == 2);   // config and layer
    }
    SECTION("the mirror is down: the origin serves, with a notice") {
        Settings settings = test_settings(tmp.path());
        settings.retry.max_attempts = 1;
        settings.hosts[bed->registry].mirrors = {"127.0.0.1:1/some/prefix"};
        std::vector<std::string> notices;
        settings.notice = [&](const std::string& n) { notices.push_back(n); };
        oci::ContentStore store(tmp.path() / "store-b");
        RegistryClient client(settings, store);
        PulledImage img = client.pull_image(Reference::parse(name), Platform::parse("linux/amd64"));
        CHECK(img.image.manifest.digest == pushed.amd64.digest);
        bool mentioned = false;
        for (const std::string& n : notices) mentioned = mentioned || n.find("mirror 127.0.0.1:1") != std::string::npos;
        CHECK(mentioned);
    }
}
