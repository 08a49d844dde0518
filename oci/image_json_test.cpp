#include <catch2/catch.hpp>

#include <string>

#include "base/error.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"

using mab::Error;
using mab::ErrorKind;
using namespace mab::oci;

namespace {

// sha256("") and sha256("abc"): fixed digests for the golden documents.
const std::string k_empty =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string k_abc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

ImageConfig small_config() {
    ImageConfig c;
    c.created = "2024-01-02T03:04:05Z";
    c.platform = Platform{"linux", "arm64", "", ""};
    c.config.env = {"PATH=/usr/bin"};
    c.config.cmd = std::vector<std::string>{"sh"};
    c.config.exposed_ports = {"80/tcp"};
    c.config.volumes = {"/data"};
    c.config.working_dir = "/app";
    c.config.labels = {{"a", "b"}};
    c.config.user = "1000";
    c.diff_ids = {Digest::parse(k_empty)};
    c.history = {HistoryEntry{"2024-01-02T03:04:05Z", "RUN x", "", false},
                 HistoryEntry{"", "ENV", "buildkit", true}};
    return c;
}

ImageConfig full_config() {
    ImageConfig c = small_config();
    c.author = "someone <a@example.com>";
    c.platform = Platform{"linux", "arm", "v7", "5.15"};
    c.config.entrypoint = std::vector<std::string>{};
    c.config.cmd = std::vector<std::string>{"/bin/sh", "-c", "echo \"hi\"\n\t\\ é ✓"};
    c.config.shell = std::vector<std::string>{"/bin/bash", "-c"};
    c.config.env = {"B=2", "A=1", "EMPTY="};
    c.config.exposed_ports = {"443/tcp", "53/udp", "80/tcp"};
    c.config.volumes = {"/a", "/b"};
    c.config.on_build = {"RUN make"};
    c.config.stop_signal = "SIGTERM";
    c.config.healthcheck = HealthcheckConfig{{"CMD-SHELL", "wget -q -O- localhost"}, 30000000000, 3000000000, 0, 5000000000, 3};
    c.config.args_escaped = true;
    c.config.labels = {{"org.opencontainers.image.title", "x"}, {"z", ""}};
    c.diff_ids = {Digest::parse(k_empty), Digest::parse(k_abc)};
    return c;
}

Descriptor descriptor(const std::string& media_type, const std::string& digest, int64_t size) {
    Descriptor d;
    d.media_type = media_type;
    d.digest = Digest::parse(digest);
    d.size = size;
    return d;
}

std::string error_of(void (*fn)(const std::string&), const std::string& json) {
    try {
        fn(json);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    return "(accepted)";
}

void parse_config(const std::string& json) {
    parse_image_config(json, "config.json");
}
void parse_manifest(const std::string& json) {
    parse_image_manifest(json, "manifest.json");
}
void parse_index(const std::string& json) {
    parse_image_index(json, "index.json");
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("image config: golden bytes", "[image_json]") {
    // Written by hand from image-spec config.md: keys sorted, empty members omitted.
    const std::string expected =
        R"({"architecture":"arm64","config":{"Cmd":["sh"],"Env":["PATH=/usr/bin"],)"
        R"("ExposedPorts":{"80/tcp":{}},"Labels":{"a":"b"},"User":"1000","Volumes":{"/data":{}},)"
        R"("WorkingDir":"/app"},"created":"2024-01-02T03:04:05Z","history":[)"
        R"({"created":"2024-01-02T03:04:05Z","created_by":"RUN x"},)"
        R"({"comment":"buildkit","created_by":"ENV","empty_layer":true}],"os":"linux",)"
        R"("rootfs":{"diff_ids":[")" +
        k_empty + R"("],"type":"layers"}})";
    CHECK(to_json(small_config()) == expected);

    ImageConfig minimal;
    minimal.platform = Platform{"linux", "amd64", "", ""};
    CHECK(
        to_json(minimal) ==
        R"({"architecture":"amd64","config":{},"os":"linux","rootfs":{"diff_ids":[],"type":"layers"}})");

    ImageConfig with_variant = minimal;
    with_variant.platform = Platform{"windows", "arm", "v7", "10.0.17763"};
    with_variant.author = "me";
    with_variant.config.entrypoint = std::vector<std::string>{};
    with_variant.config.cmd = std::vector<std::string>{};
    CHECK(
        to_json(with_variant) ==
        R"({"architecture":"arm","author":"me","config":{"Cmd":[],"Entrypoint":[]},"os":"windows",)"
        R"("os.version":"10.0.17763","rootfs":{"diff_ids":[],"type":"layers"},"variant":"v7"})");
}

TEST_CASE("image config: Healthcheck and ArgsEscaped as Docker writes them", "[image_json]") {
    // docker-image-spec's HealthcheckConfig: nanoseconds, every member omitempty.
    ImageConfig c;
    c.platform = Platform{"linux", "amd64", "", ""};
    c.config.args_escaped = true;
    c.config.healthcheck = HealthcheckConfig{{"CMD", "/bin/check", "--fast"}, 300000000000, 0, 0, 0, 2};
    CHECK(contains(to_json(c), R"("config":{"ArgsEscaped":true,"Healthcheck":{"Interval":300000000000,)"
                               R"("Retries":2,"Test":["CMD","/bin/check","--fast"]}})"));
    c.config.healthcheck = HealthcheckConfig{{"NONE"}, 0, 0, 0, 0, 0};
    CHECK(contains(to_json(c), R"("Healthcheck":{"Test":["NONE"]})"));
    ImageConfig back = parse_image_config(to_json(c), "test");
    CHECK(back == c);
}

TEST_CASE("image config: sets are written sorted and unique", "[image_json]") {
    ImageConfig c;
    c.platform = Platform{"linux", "amd64", "", ""};
    c.config.exposed_ports = {"80/tcp", "443/tcp", "80/tcp"};
    CHECK(contains(to_json(c), R"("ExposedPorts":{"443/tcp":{},"80/tcp":{}})"));
}

TEST_CASE("image config: round trip", "[image_json]") {
    for (const ImageConfig& c : {small_config(), full_config()}) {
        std::string json = to_json(c);
        ImageConfig back = parse_image_config(json, "test");
        CHECK(back == c);
        CHECK(to_json(back) == json);
    }
    // nullopt and engaged-but-empty stay distinct.
    ImageConfig c = small_config();
    c.config.cmd.reset();
    c.config.entrypoint = std::vector<std::string>{};
    ImageConfig back = parse_image_config(to_json(c), "test");
    CHECK_FALSE(back.config.cmd);
    REQUIRE(back.config.entrypoint);
    CHECK(back.config.entrypoint->empty());
}

TEST_CASE("image config: Docker's JSON with nulls and extra fields", "[image_json]") {
    const std::string docker =
        R"({"architecture":"amd64","config":{"Hostname":"","Domainname":"",)"
        R"("User":"","AttachStdin":false,"Tty":false,"Env":["PATH=/bin"],"Cmd":["sh"],)"
        R"("Image":"sha256:x","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,)"
        R"("Labels":null,"ExposedPorts":{"8080/tcp":{}}},"container":"abc",)"
        R"("container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\"sh\"]"]},)"
        R"("created":"2023-07-18T23:19:33.655005962Z","docker_version":"20.10.23",)"
        R"("history":[{"created":"2023-07-18T23:19:33.538571854Z","created_by":"/bin/sh -c #(nop) ADD file:x in / "},)"
        R"({"created":"2023-07-18T23:19:33.655005962Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}],)"
        R"("os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
        k_abc + R"("]}})";
    ImageConfig c = parse_image_config(docker, "busybox");
    CHECK(c.platform == Platform{"linux", "amd64", "", ""});
    CHECK(c.created == "2023-07-18T23:19:33.655005962Z");
    CHECK(c.config.env == std::vector<std::string>{"PATH=/bin"});
    CHECK(c.config.cmd == std::vector<std::string>{"sh"});
    CHECK_FALSE(c.config.entrypoint);
    CHECK(c.config.volumes.empty());
    CHECK(c.config.labels.empty());
    CHECK(c.config.exposed_ports == std::vector<std::string>{"8080/tcp"});
    REQUIRE(c.history.size() == 2);
    CHECK_FALSE(c.history[0].empty_layer);
    CHECK(c.history[1].empty_layer);
    CHECK(c.diff_ids == std::vector<Digest>{Digest::parse(k_abc)});
}

TEST_CASE("manifest: golden bytes and round trip", "[image_json]") {
    ImageManifest m;
    m.media_type = media_type::k_oci_manifest;
    m.config = descriptor(std::string(media_type::k_oci_config), k_empty, 0);
    m.layers = {descriptor(std::string(media_type::k_oci_layer_gzip), k_abc, 3)};
    const std::string expected =
        R"({"config":{"digest":")" + k_empty +
        R"(","mediaType":"application/vnd.oci.image.config.v1+json","size":0},)"
        R"("layers":[{"digest":")" +
        k_abc +
        R"(","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":3}],)"
        R"("mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2})";
    CHECK(to_json(m) == expected);
    CHECK(parse_image_manifest(expected, "m") == m);

    m.annotations = {{"org.opencontainers.image.created", "1970-01-01T00:00:00Z"}};
    m.layers.push_back(
        descriptor(std::string(media_type::k_oci_layer_zstd), k_empty, 1234567890123));
    m.layers.back().annotations = {{"b", "2"}, {"a", "1"}};
    std::string json = to_json(m);
    CHECK(
        json.rfind(
            R"({"annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"},"config":)",
            0) == 0);
    CHECK(contains(json, R"({"annotations":{"a":"1","b":"2"},"digest":")"));
    CHECK(contains(json, R"("size":1234567890123})"));
    CHECK(parse_image_manifest(json, "m") == m);

    // Docker media types are accepted; a missing mediaType reads as OCI.
    ImageManifest docker = m;
    docker.media_type = media_type::k_docker_manifest;
    docker.config.media_type = media_type::k_docker_config;
    CHECK(parse_image_manifest(to_json(docker), "m") == docker);
    std::string no_media_type = expected;
    no_media_type.replace(
        no_media_type.find(R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)"),
        std::string(R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)").size(), "");
    CHECK(parse_image_manifest(no_media_type, "m").media_type == media_type::k_oci_manifest);
}

TEST_CASE("index: golden bytes and round trip", "[image_json]") {
    ImageIndex index;
    index.media_type = media_type::k_oci_index;
    index.annotations = {{"org.opencontainers.image.created", "1970-01-01T00:00:00Z"}};
    Descriptor m = descriptor(std::string(media_type::k_oci_manifest), k_abc, 123);
    m.platform = Platform{"linux", "arm", "v7", ""};
    m.annotations = {{"org.opencontainers.image.ref.name", "latest"}};
    Descriptor amd = descriptor(std::string(media_type::k_oci_manifest), k_empty, 7);
    amd.platform = Platform{"windows", "amd64", "", "10.0.17763.1"};
    index.manifests = {m, amd};
    const std::string expected =
        R"({"annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"},"manifests":[)"
        R"({"annotations":{"org.opencontainers.image.ref.name":"latest"},"digest":")" +
        k_abc +
        R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("platform":{"architecture":"arm","os":"linux","variant":"v7"},"size":123},)"
        R"({"digest":")" +
        k_empty +
        R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1"},"size":7}],)"
        R"("mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2})";
    CHECK(to_json(index) == expected);
    CHECK(parse_image_index(expected, "index.json") == index);

    ImageIndex list;
    list.media_type = media_type::k_docker_manifest_list;
    CHECK(
        to_json(list) ==
        R"({"manifests":[],"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","schemaVersion":2})");
    CHECK(parse_image_index(to_json(list), "x") == list);
}

TEST_CASE("parsers reject oversize, deep and duplicate-key documents", "[image_json]") {
    std::string big =
        R"({"schemaVersion":2,"manifests":[],"x":")" + std::string(4 << 20, 'a') + "\"}";
    std::string msg = error_of(parse_index, big);
    CHECK(contains(msg, "index.json"));
    CHECK(contains(msg, "bytes, more than"));

    auto nested = [](int levels) {
        return R"({"schemaVersion":2,"manifests":[],"x":)" +
               std::string(static_cast<size_t>(levels), '[') +
               std::string(static_cast<size_t>(levels), ']') + "}";
    };
    CHECK(error_of(parse_index, nested(63)) == "(accepted)"); // depth 64 with the root
    CHECK(contains(error_of(parse_index, nested(64)), "nesting deeper than 64"));
    CHECK(contains(error_of(parse_index, std::string(1000000, '[')), "not valid JSON"));
    CHECK(contains(error_of(parse_index, nested(1000000)), "nesting deeper than 64"));

    msg = error_of(parse_manifest,
                   R"({"schemaVersion":2,"schemaVersion":2,"config":{},"layers":[]})");
    CHECK(contains(msg, "invalid image manifest manifest.json: duplicate key \"schemaVersion\""));
    msg =
        error_of(parse_config,
                 R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},)"
                 R"("config":{"Labels":{"a":"1","b":"2","a":"3"}}})");
    CHECK(contains(msg, "duplicate key \"a\""));
}

TEST_CASE("parsers reject wrong types and bad values, naming the field", "[image_json]") {
    const std::string config_ok =
        R"("config":{"digest":")" + k_empty + R"(","mediaType":"x","size":0})";
    const std::pair<std::string, std::string> manifests[] = {
        {"[]", "must be an object"},
        {"", "not valid JSON"},
        {R"({"schemaVersion":2} x)", "not valid JSON"},
        {"{\"schemaVersion\":2,\"x\":\"\xff\"}", "not valid JSON"},
        {R"({"schemaVersion":1,"config":{},"layers":[]})", "\"schemaVersion\" must be 2"},
        {R"({"schemaVersion":"2"})", "\"schemaVersion\" must be an integer"},
        {R"({"schemaVersion":2,"layers":[]})", "\"config\" is missing"},
        {R"({"schemaVersion":2,)" + config_ok + R"(,"layers":{}})", "\"layers\" must be an array"},
        {R"({"schemaVersion":2,)" + config_ok +
             R"(,"layers":[{"digest":"sha256:../../x","mediaType":"x","size":1}]})",
         "\"layers[0].digest\" is not a digest: invalid digest \"sha256:../../x\""},
        {R"({"schemaVersion":2,)" + config_ok + R"(,"layers":[{"digest":")" + k_abc +
             R"(","mediaType":"x","size":"3"}]})",
         "\"layers[0].size\" must be an integer"},
        {R"({"schemaVersion":2,)" + config_ok + R"(,"layers":[{"digest":")" + k_abc +
             R"(","mediaType":"x","size":-1}]})",
         "\"layers[0].size\" must not be negative"},
        {R"({"schemaVersion":2,)" + config_ok + R"(,"layers":[{"digest":")" + k_abc +
             R"(","size":1}]})",
         "\"layers[0].mediaType\" is missing"},
        {R"({"schemaVersion":2,)" + config_ok + R"(,"layers":[],"annotations":{"a":1}})",
         "\"annotations.a\" must be a string"},
        {R"({"schemaVersion":2,)" + config_ok +
             R"(,"layers":[],"mediaType":"application/vnd.oci.image.index.v1+json"})",
         "\"mediaType\" is \"application/vnd.oci.image.index.v1+json\""},
    };
    for (const auto& [json, problem] : manifests) {
        INFO(json);
        std::string msg = error_of(parse_manifest, json);
        CHECK(contains(msg, "invalid image manifest manifest.json: "));
        CHECK(contains(msg, problem));
    }

    const std::string rootfs = R"("rootfs":{"type":"layers","diff_ids":[]})";
    const std::pair<std::string, std::string> configs[] = {
        {R"({"os":"linux",)" + rootfs + "}", "\"architecture\" is missing"},
        {R"({"architecture":1,"os":"linux",)" + rootfs + "}", "\"architecture\" must be a string"},
        {R"({"architecture":"amd64","os":"linux"})", "\"rootfs\" is missing"},
        {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"x","diff_ids":[]}})",
         "\"rootfs.type\" must be \"layers\""},
        {R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:AB"]}})",
         "\"rootfs.diff_ids[0]\" is not a digest"},
        {R"({"architecture":"amd64","os":"linux",)" + rootfs + R"(,"config":{"Env":"A=1"}})",
         "\"config.Env\" must be an array"},
        {R"({"architecture":"amd64","os":"linux",)" + rootfs + R"(,"config":{"Cmd":["a",2]}})",
         "\"config.Cmd[1]\" must be a string"},
        {R"({"architecture":"amd64","os":"linux",)" + rootfs +
             R"(,"config":{"ExposedPorts":{"80/tcp":1}}})",
         "\"config.ExposedPorts.80/tcp\" must be an object"},
        {R"({"architecture":"amd64","os":"linux",)" + rootfs +
             R"(,"history":[{"empty_layer":"yes"}]})",
         "\"history[0].empty_layer\" must be true or false"},
    };
    for (const auto& [json, problem] : configs) {
        INFO(json);
        std::string msg = error_of(parse_config, json);
        CHECK(contains(msg, "invalid image config config.json: "));
        CHECK(contains(msg, problem));
    }

    CHECK(contains(
        error_of(parse_index, R"({"schemaVersion":2,"manifests":[{"digest":")" + k_abc +
                                  R"(","mediaType":"x","size":1,"platform":{"os":"linux"}}]})"),
        "\"manifests[0].platform.architecture\" is missing"));
    CHECK(contains(
        error_of(
            parse_index,
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]})"),
        "\"mediaType\" is"));
}

TEST_CASE("writing invalid UTF-8 is an error", "[image_json]") {
    ImageConfig c = small_config();
    c.config.env.push_back("BAD=\xc3\x28");
    CHECK_THROWS_AS(to_json(c), Error);
}

TEST_CASE("format_rfc3339", "[image_json]") {
    CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(1704164645) == "2024-01-02T03:04:05Z");
    CHECK(format_rfc3339(951782400) == "2000-02-29T00:00:00Z");
}
