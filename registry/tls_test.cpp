// TLS against a registry whose certificate comes from a CA the test bed generates, and
// docker's loopback rule: HTTPS first, plain HTTP when TLS is not spoken there.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "registry/registry_client.hpp"
#include "registry/test_support/registry_bed.hpp"

using namespace mab;
using namespace mab::registry;
using namespace mab::registry::testing;
using oci::Platform;

TEST_CASE("HTTPS with the generated CA works, and is refused without it", "[tls]") {
    RegistryBed* bed = shared_bed({true, "none"});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-tls-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 90);
    Reference repo = Reference::parse(bed->registry + "/tls/app");

    SECTION("with the CA file: push, pull, and skopeo reads it with the same CA") {
        Settings s = test_settings(tmp.path());
        s.hosts[bed->registry].ca_file = bed->ca;
        RegistryClient client(s, store);
        client.push_image(image, repo, {"v1"});
        oci::ContentStore back(tmp.path() / "back");
        RegistryClient reader(s, back);
        PulledImage img = reader.pull_image(Reference::parse(bed->registry + "/tls/app:v1"),
                                            Platform::parse("linux/amd64"));
        CHECK(back.verify(img.image.layers[0].digest));
        // "localhost" is in the certificate too.
        std::string port = bed->registry.substr(bed->registry.find(':'));
        s.hosts["localhost" + port].ca_file = bed->ca;
        RegistryClient by_name(s, back);
        CHECK(by_name.inspect(Reference::parse("localhost" + port + "/tls/app:v1")).descriptor.digest == image.digest);

        std::filesystem::path certs = tmp.path() / "certs";
        std::filesystem::create_directories(certs);
        std::filesystem::copy_file(bed->ca, certs / "ca.crt");
        ProcessResult raw = run({"skopeo", "inspect", "--raw", "--cert-dir", certs.string(),
                                 fmt::format("docker://{}/tls/app:v1", bed->registry)});
        CHECK(raw.out == store.get(image.digest));
    }
    SECTION("without it: a certificate error with a hint, and no fallback to plain HTTP") {
        RegistryClient client(test_settings(tmp.path()), store);
        try {
            client.push_image(image, repo, {"v1"});
            FAIL("push should fail");
        } catch (const Error& e) {
            std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("https://" + bed->registry) != std::string::npos);
            CHECK(msg.find("certificate") != std::string::npos);
            CHECK(e.hint().find("ca: ") != std::string::npos);
        }
    }
    SECTION("skip_tls_verify talks to it without the CA") {
        Settings s = test_settings(tmp.path());
        s.hosts[bed->registry].skip_tls_verify = true;
        RegistryClient client(s, store);
        CHECK(client.push_image(image, repo, {"v2"}).root.digest == image.digest);
    }
}

TEST_CASE("a loopback registry that speaks plain HTTP is used over HTTP, with a notice", "[tls]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-tls-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 91);
    std::string port = bed->registry.substr(bed->registry.find(':'));

    for (std::string host : {bed->registry, "localhost" + port}) {
        Settings s = test_settings(tmp.path());
        std::vector<std::string> notices;
        s.notice = [&](const std::string& n) { notices.push_back(n); };
        RegistryClient client(s, store);
        CHECK(client.push_image(image, Reference::parse(host + "/fallback/app"), {"v1"}).root.digest == image.digest);
        REQUIRE(notices.size() == 1);   // decided once per host
        CHECK(notices[0].find("plain HTTP") != std::string::npos);
    }
    SECTION("plain_http skips the HTTPS attempt") {
        Settings s = test_settings(tmp.path());
        s.hosts[bed->registry].plain_http = true;
        std::vector<std::string> notices;
        s.notice = [&](const std::string& n) { notices.push_back(n); };
        RegistryClient client(s, store);
        client.inspect(Reference::parse(bed->registry + "/fallback/app:v1"));
        CHECK(notices.empty());
    }
}
