// Pulls and pushes through the test bed's fault proxy: transient 500s and 429s,
// resets, truncated and stalled transfers are survived; a wrong blob body is refused.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "oci/image.hpp"
#include "registry/registry_client.hpp"
#include "registry/test_support/registry_bed.hpp"

using namespace mab;
using namespace mab::registry;
using namespace mab::registry::testing;
using oci::Platform;

namespace {

struct Fixture {
    RegistryBed* bed;
    TempDir tmp{std::filesystem::temp_directory_path(), "mab-fault-"};
    oci::ContentStore source{tmp.path() / "source"};
    oci::Descriptor image;
    std::string name;

    // Pushes a fresh image (its layer large enough to be cut in half) to REPO:v1.
    Fixture(RegistryBed* b, const std::string& repo, int seed) : bed(b) {
        bed->set_faults("{}");
        image = make_image(source, Platform::parse("linux/amd64"), seed, 1, 256 << 10);
        RegistryClient client(test_settings(tmp.path()), source);
        client.push_image(image, Reference::parse(bed->registry + "/" + repo), {"v1"});
        name = bed->proxy + "/" + repo + ":v1";
        bed->clear_proxy_log();
    }
    ~Fixture() { bed->set_faults("{}"); }

    oci::Descriptor layer() const {
        return oci::parse_image_manifest(source.get(image.digest), "test").layers.at(0);
    }
    // One rule for GETs of the image's layer.
    void fault_layer_gets(const std::string& rule_members) const {
        bed->set_faults(fmt::format(R"({{"rules": [{{"method": "GET", "path": "/blobs/{}", {}}}]}})",
                                    layer().digest.str(), rule_members));
    }
    // The proxy logs a request after it answered it, so the client can be done before
    // the last line is written: read until the count holds still for 200 ms (at most 3 s).
    int count(const std::string& method, const std::string& path_part, const std::string& fault = "") const {
        auto read = [&] {
            int n = 0;
            for (const ProxyEntry& e : bed->proxy_log())
                if (e.method == method && e.path.find(path_part) != std::string::npos && e.fault == fault) ++n;
            return n;
        };
        int n = read();
        for (int still = 0, waited = 0; still < 4 && waited < 60; ++waited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            int again = read();
            still = again == n ? still + 1 : 0;
            n = again;
        }
        return n;
    }
};

PulledImage pull(const Fixture& f, oci::ContentStore& store, Settings settings) {
    RegistryClient client(std::move(settings), store);
    return client.pull_image(Reference::parse(f.name), Platform::parse("linux/amd64"));
}

} // namespace

TEST_CASE("transient 500s and connection resets are retried", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/retry", 100);
    bed->set_faults(R"({"rules": [
        {"method": "GET", "path": "/manifests/", "action": "status", "status": 500, "times": 2},
        {"method": "GET", "path": "/blobs/", "action": "reset", "times": 1},
        {"method": "GET", "path": "/blobs/", "action": "status", "status": 503, "times": 1}]})");
    oci::ContentStore store(f.tmp.path() / "store");
    PulledImage img = pull(f, store, test_settings(f.tmp.path()));
    CHECK(img.root.digest == f.image.digest);
    CHECK(store.verify(f.layer().digest));
    CHECK(f.count("GET", "/manifests/", "status") == 2);
    CHECK(f.count("GET", "/manifests/") == 1);
    CHECK(f.count("GET", "/blobs/", "reset") == 1);
    CHECK(f.count("GET", "/blobs/", "status") == 1);
}

TEST_CASE("429 with Retry-After is honoured", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/429", 101);
    bed->set_faults(R"({"rules": [{"method": "GET", "path": "/manifests/", "action": "status", "status": 429,
                                   "headers": {"Retry-After": "1"}, "times": 1}]})");
    oci::ContentStore store(f.tmp.path() / "store");
    auto start = std::chrono::steady_clock::now();
    PulledImage img = pull(f, store, test_settings(f.tmp.path()));
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(img.root.digest == f.image.digest);
    CHECK(waited >= std::chrono::milliseconds(950));   // the test settings' own backoff is 20 ms
    CHECK(f.count("GET", "/manifests/", "status") == 1);
}

TEST_CASE("a truncated blob download resumes with Range", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/truncate", 102);
    oci::Descriptor layer = f.layer();
    f.fault_layer_gets(R"("action": "truncate", "bytes": 100000, "times": 1)");
    oci::ContentStore store(f.tmp.path() / "store");
    pull(f, store, test_settings(f.tmp.path()));
    CHECK(store.verify(layer.digest));
    bool resumed = false;
    for (const ProxyEntry& e : bed->proxy_log())
        if (e.path.find(layer.digest.str()) != std::string::npos && e.range == "bytes=100000-" && e.status == 206)
            resumed = true;
    CHECK(resumed);
}

TEST_CASE("a stalled transfer times out and is tried again", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/stall", 103);
    bed->set_faults(R"({"rules": [{"method": "GET", "path": "/manifests/", "action": "stall", "seconds": 3, "times": 1}]})");
    Settings s = test_settings(f.tmp.path());
    s.timeouts.stall = std::chrono::seconds(1);
    oci::ContentStore store(f.tmp.path() / "store");
    CHECK(pull(f, store, s).root.digest == f.image.digest);
    CHECK(f.count("GET", "/manifests/", "stall") == 1);
    CHECK(f.count("GET", "/manifests/") == 1);
}

TEST_CASE("blob GETs follow redirects to storage", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/redirect", 104);
    bed->set_faults(R"({"rules": [{"method": "GET", "path": "/blobs/", "action": "redirect", "times": -1}]})");
    oci::ContentStore store(f.tmp.path() / "store");
    pull(f, store, test_settings(f.tmp.path()));
    CHECK(store.verify(f.layer().digest));
    CHECK(f.count("GET", "/_redirected/v2/fault/redirect/blobs/") == 2);
}

TEST_CASE("a blob whose body does not match its digest is refused and not stored", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/wrong", 105);
    oci::Descriptor layer = f.layer();
    f.fault_layer_gets(R"("action": "wrong_body", "times": -1)");
    oci::ContentStore store(f.tmp.path() / "store");
    try {
        pull(f, store, test_settings(f.tmp.path()));
        FAIL("the pull should fail");
    } catch (const Error& e) {
        std::string msg = e.what();
        INFO(msg);
        CHECK(e.kind() == ErrorKind::registry);
        CHECK(msg.find(layer.digest.str()) != std::string::npos);
        CHECK(msg.find("does not match") != std::string::npos);
    }
    CHECK_FALSE(store.has(layer.digest));
}

TEST_CASE("pushes survive 500s, resets and a broken chunked upload", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-fault-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/arm64"), 106, 1, 200 << 10);
    bed->set_faults(R"({"rules": [
        {"method": "HEAD", "path": "/blobs/", "action": "status", "status": 502, "times": 1},
        {"method": "POST", "path": "/blobs/uploads/", "action": "reset", "times": 1},
        {"method": "PATCH", "path": "/blobs/uploads/", "action": "status", "status": 500, "skip": 1, "times": 1},
        {"method": "PUT", "path": "/manifests/", "action": "status", "status": 503, "times": 1}]})");
    Settings s = test_settings(tmp.path());
    s.chunked_upload_threshold = 64 << 10;
    s.upload_chunk_size = 64 << 10;
    s.max_parallel_transfers = 1;
    RegistryClient client(s, store);
    bed->clear_proxy_log();
    PushResult r = client.push_image(image, Reference::parse(bed->proxy + "/fault/push"), {"v1"});
    bed->set_faults("{}");
    CHECK(r.blobs_uploaded == 2);
    std::map<std::string, int> faults;   // "METHOD fault" -> count
    for (const ProxyEntry& e : bed->proxy_log())
        if (!e.fault.empty()) ++faults[e.method + " " + e.fault];
    CHECK(faults == std::map<std::string, int>{
                        {"HEAD status", 1}, {"POST reset", 1}, {"PATCH status", 1}, {"PUT status", 1}});
    ProcessResult raw = run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                             fmt::format("docker://{}/fault/push:v1", bed->registry)});
    CHECK(raw.out == store.get(image.digest));
    // And the layer reads back intact.
    oci::ContentStore back(tmp.path() / "back");
    RegistryClient reader(test_settings(tmp.path()), back);
    PulledImage img = reader.pull_image(Reference::parse(bed->registry + "/fault/push:v1"), Platform::parse("linux/arm64"));
    CHECK(back.verify(img.image.layers[0].digest));
}

TEST_CASE("a registry that keeps failing gives up with the status", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    Fixture f(bed, "fault/down", 107);
    bed->set_faults(R"({"rules": [{"method": "GET", "path": "/manifests/", "action": "status", "status": 503, "times": -1}]})");
    Settings s = test_settings(f.tmp.path());
    s.retry.max_attempts = 3;
    oci::ContentStore store(f.tmp.path() / "store");
    try {
        pull(f, store, s);
        FAIL("the pull should fail");
    } catch (const Error& e) {
        std::string msg = e.what();
        CHECK(msg.find("503") != std::string::npos);
        CHECK(msg.find("fault/down") != std::string::npos);
    }
    CHECK(f.count("GET", "/manifests/", "status") == 3);
}

TEST_CASE("layers are fetched in parallel", "[faults]") {
    RegistryBed* bed = shared_bed({});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-fault-");
    oci::ContentStore source(tmp.path() / "source");
    oci::Descriptor image = make_image(source, Platform::parse("linux/amd64"), 108, 4);
    RegistryClient(test_settings(tmp.path()), source)
        .push_image(image, Reference::parse(bed->registry + "/fault/parallel"), {"v1"});
    oci::ImageManifest manifest = oci::parse_image_manifest(source.get(image.digest), "test");
    // Every layer GET waits two seconds at the proxy: one after another they would take 8,
    // together about 2; the bound in between leaves room for a loaded machine.
    std::string rules;
    for (const oci::Descriptor& l : manifest.layers)
        rules += fmt::format(R"({}{{"method": "GET", "path": "{}", "action": "stall", "seconds": 2, "times": -1}})",
                             rules.empty() ? "" : ",", l.digest.str());
    bed->set_faults(R"({"rules": [)" + rules + "]}");
    Settings s = test_settings(tmp.path());
    s.max_parallel_transfers = 4;
    oci::ContentStore store(tmp.path() / "store");
    RegistryClient client(s, store);
    auto start = std::chrono::steady_clock::now();
    PulledImage img = client.pull_image(Reference::parse(bed->proxy + "/fault/parallel:v1"), Platform::parse("linux/amd64"));
    auto took = std::chrono::steady_clock::now() - start;
    bed->set_faults("{}");
    for (const oci::Descriptor& l : img.image.layers) CHECK(store.verify(l.digest));
    CHECK(took < std::chrono::milliseconds(6000));
}
