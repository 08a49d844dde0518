// docker config.json parsing and credential lookup, with real helper scripts.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "registry/credentials.hpp"
#include "registry/docker_config.hpp"
#include "registry/subprocess.hpp"

using namespace mab;
using namespace mab::registry;

namespace fs = std::filesystem;

TEST_CASE("auths entries: base64 auth, username/password, docker.io's key") {
    TempDir tmp(fs::temp_directory_path(), "mab-dockercfg-");
    fs::path cfg = tmp.path() / "config.json";
    write_file_atomically(cfg, R"({
      "auths": {
        "https://index.docker.io/v1/": {"auth": "aHViOmh1Yi1zZWNyZXQ="},
        "reg.example.com:5000": {"username": "u", "password": "p:with:colons"},
        "http://other.example/v2/": {"auth": "b3RoZXI6c2VjcmV0"},
        "empty.example": {}
      },
      "credHelpers": {"gcr.example": "gcr"}
    })");
    CredentialStore store(cfg, "/nonexistent");
    auto hub = store.find("docker.io");
    REQUIRE(hub);
    CHECK(hub->username == "hub");
    CHECK(hub->secret == "hub-secret");
    CHECK(hub->source == cfg.string());
    auto reg = store.find("reg.example.com:5000");
    REQUIRE(reg);
    CHECK(reg->secret == "p:with:colons");
    auto other = store.find("other.example");
    REQUIRE(other);
    CHECK(other->username == "other");
    CHECK_FALSE(store.find("empty.example"));
    CHECK_FALSE(store.find("unknown.example"));
    // A helper named for a host but not installed is an error naming the helper.
    try {
        store.find("gcr.example");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("docker-credential-gcr") != std::string::npos);
    }
}

TEST_CASE("a missing config means no credentials; a malformed one names the file, not the value") {
    TempDir tmp(fs::temp_directory_path(), "mab-dockercfg-");
    CHECK_FALSE(CredentialStore(tmp.path() / "absent.json", "").find("docker.io"));
    fs::path cfg = tmp.path() / "config.json";
    write_file_atomically(cfg, R"({"auths": {"reg.example": {"auth": "not base64 Sup3rSecret"}}})");
    try {
        CredentialStore(cfg, "").find("reg.example");
        FAIL("expected an error");
    } catch (const Error& e) {
        std::string msg = e.what();
        CHECK(msg.find(cfg.string()) != std::string::npos);
        CHECK(msg.find("Sup3rSecret") == std::string::npos);
    }
}

TEST_CASE("credential helpers get the server URL on stdin") {
    TempDir tmp(fs::temp_directory_path(), "mab-dockercfg-");
    fs::path bin = tmp.path() / "bin";
    fs::create_directories(bin);
    write_file_atomically(bin / "docker-credential-echo", R"(#!/bin/sh
read server
printf '{"ServerURL":"%s","Username":"user-for-%s","Secret":"s3cret"}' "$server" "$server"
)", 0755);
    fs::path cfg = tmp.path() / "config.json";
    write_file_atomically(cfg, R"({"credsStore": "echo"})");
    CredentialStore store(cfg, bin.string());
    auto hub = store.find("docker.io");
    REQUIRE(hub);
    CHECK(hub->username == "user-for-https://index.docker.io/v1/");
    CHECK(hub->secret == "s3cret");
    CHECK(hub->source == "docker-credential-echo");
    CHECK(store.find("localhost:5000")->username == "user-for-localhost:5000");
}

TEST_CASE("run_process feeds stdin and collects both outputs") {
    ProcessResult r = run_process({"sh", "-c", "cat; echo err >&2; exit 3"}, "hello", std::chrono::seconds(10));
    CHECK(r.exit_code == 3);
    CHECK(r.out == "hello");
    CHECK(r.err == "err\n");
    // A child that ignores its input and exits must not kill us with SIGPIPE.
    ProcessResult quick = run_process({"true"}, std::string(1 << 20, 'x'), std::chrono::seconds(10));
    CHECK(quick.exit_code == 0);
    CHECK_THROWS_AS(run_process({"sleep", "5"}, "", std::chrono::seconds(1)), Error);
    CHECK_THROWS_AS(run_process({"mab-no-such-program"}, "", std::chrono::seconds(1)), Error);
}

TEST_CASE("save and erase keep the rest of config.json") {
    TempDir tmp(fs::temp_directory_path(), "mab-dockercfg-");
    fs::path cfg = tmp.path() / "docker" / "config.json";
    CredentialStore store(cfg, "/nonexistent");
    store.save("reg.example:5000", "me", "pa\"ss");   // created, with its directory
    CHECK((fs::status(cfg).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(store.find("reg.example:5000")->secret == "pa\"ss");

    write_file_atomically(cfg, R"({"auths":{"reg.example:5000":{"auth":"bWU6b2xk"}},"HttpHeaders":{"X-Keep":"1"}})");
    CredentialStore again(cfg, "/nonexistent");
    again.save("docker.io", "hub", "hub-secret");
    DockerConfig written = read_docker_config(cfg);
    CHECK(written.auths.at("https://index.docker.io/v1/").password == "hub-secret");
    CHECK(written.auths.at("reg.example:5000").password == "old");
    CHECK(read_file(cfg).find("\"X-Keep\"") != std::string::npos);

    CHECK(again.erase("reg.example:5000"));
    CHECK_FALSE(again.erase("reg.example:5000"));
    CHECK_FALSE(again.find("reg.example:5000"));
    CHECK(again.find("docker.io")->username == "hub");
}

TEST_CASE("save and erase go through the host's credential helper") {
    TempDir tmp(fs::temp_directory_path(), "mab-dockercfg-");
    fs::path bin = tmp.path() / "bin";
    fs::create_directories(bin);
    write_file_atomically(bin / "docker-credential-rec", fmt::format(R"(#!/bin/sh
echo "$1" >> {0}/calls
cat >> {0}/calls
echo >> {0}/calls
)", tmp.path().string()), 0755);
    fs::path cfg = tmp.path() / "config.json";
    write_file_atomically(cfg, R"({"credHelpers": {"reg.example": "rec"}})");
    CredentialStore store(cfg, bin.string());
    store.save("reg.example", "me", "s3cret");
    CHECK(store.erase("reg.example"));
    CHECK(read_file(tmp.path() / "calls") ==
          "store\n{\"ServerURL\":\"reg.example\",\"Username\":\"me\",\"Secret\":\"s3cret\"}\nerase\nreg.example\n");
    CHECK(read_file(cfg) == R"({"credHelpers": {"reg.example": "rec"}})");   // the file is not touched
}
