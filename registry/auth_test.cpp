// Authentication against real registries: htpasswd Basic and token auth (the bed's
// token issuer signs JWTs the registry verifies), credentials from a docker config
// file and from credential helper scripts. No error may contain a secret.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <thread>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "registry/base64.hpp"
#include "registry/credentials.hpp"
#include "registry/registry_client.hpp"
#include "registry/test_support/registry_bed.hpp"

using namespace mab;
using namespace mab::registry;
using namespace mab::registry::testing;
using oci::Platform;

namespace {

std::filesystem::path write_config(const std::filesystem::path& dir, const std::string& json) {
    std::filesystem::path path = dir / "config.json";
    write_file_atomically(path, json, 0600);
    return path;
}

std::string auth_entry(const std::string& host, const std::string& user, const std::string& password) {
    return fmt::format(R"({{"auths":{{"{}":{{"auth":"{}"}}}}}})", host, base64_encode(user + ":" + password));
}

// A credential helper script: answers `get` for `host` with user/secret, logs what it
// was asked to `log`, says "credentials not found" for other servers.
void write_helper(const std::filesystem::path& bin, const std::string& name, const std::string& host,
                  const std::string& user, const std::string& secret) {
    std::filesystem::create_directories(bin);
    std::string script = fmt::format(R"(#!/bin/sh
[ "$1" = get ] || exit 1
read server
echo "$server" >> "{0}/{1}.log"
if [ "$server" = "{2}" ]; then
  printf '{{"ServerURL":"%s","Username":"{3}","Secret":"{4}"}}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
)",
                                     bin.string(), name, host, user, secret);
    std::filesystem::path path = bin / ("docker-credential-" + name);
    write_file_atomically(path, script, 0755);
}

// The error of `f`, which must throw mab::Error; checks that neither secret leaks.
std::string error_of(const std::function<void()>& f, const std::vector<std::string>& secrets) {
    try {
        f();
    } catch (const Error& e) {
        std::string text = std::string(e.what()) + "\n" + e.hint();
        for (const std::string& s : secrets) {
            INFO("secret leaked into: " << text);
            CHECK(text.find(s) == std::string::npos);
        }
        return text;
    }
    FAIL("expected an error");
    return {};
}

int count_token_requests(const RegistryBed& bed, const std::string& needle) {
    int n = 0;
    for (const std::string& line : bed.token_log())
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

} // namespace

TEST_CASE("htpasswd Basic auth with credentials from config.json", "[auth]") {
    RegistryBed* bed = shared_bed({false, "basic"});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-auth-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 60);
    Reference repo = Reference::parse(bed->registry + "/basic/app");

    SECTION("base64 auth: push and pull") {
        Settings s = test_settings(tmp.path());
        s.docker_config = write_config(tmp.path(), auth_entry(bed->registry, bed->user, bed->password));
        RegistryClient client(s, store);
        client.push_image(image, repo, {"v1"});
        oci::ContentStore back(tmp.path() / "back");
        RegistryClient reader(s, back);
        PulledImage img = reader.pull_image(Reference::parse(bed->registry + "/basic/app:v1"),
                                            Platform::parse("linux/amd64"));
        CHECK(img.root.digest == image.digest);
        CHECK(back.verify(img.image.layers[0].digest));
    }
    SECTION("username and password fields, key with a scheme") {
        Settings s = test_settings(tmp.path());
        s.docker_config = write_config(tmp.path(), fmt::format(R"({{"auths":{{"http://{}/v2/":{{"username":"{}",)"
                                                               R"("password":"{}"}}}}}})",
                                                               bed->registry, bed->user, bed->password));
        RegistryClient client(s, store);
        CHECK(client.push_image(image, repo, {"v2"}).root.digest == image.digest);
    }
    SECTION("no credentials: a clear error with a hint") {
        RegistryClient client(test_settings(tmp.path()), store);
        std::string msg = error_of([&] { client.push_image(image, repo, {"v1"}); }, {bed->password});
        CHECK(msg.find("requires authentication") != std::string::npos);
        CHECK(msg.find("login") != std::string::npos);
    }
    SECTION("a wrong password: a clear error that holds neither password") {
        const std::string wrong = "Wr0ng-Pa55-Do-Not-Print";
        Settings s = test_settings(tmp.path());
        s.docker_config = write_config(tmp.path(), auth_entry(bed->registry, bed->user, wrong));
        RegistryClient client(s, store);
        std::string msg = error_of([&] { client.push_image(image, repo, {"v1"}); },
                                   {wrong, bed->password, base64_encode(bed->user + ":" + wrong)});
        CHECK(msg.find("rejected the credentials") != std::string::npos);
        CHECK(msg.find(s.docker_config.string()) != std::string::npos);
    }
}

TEST_CASE("token auth: scopes, caching, refresh and both token fields", "[auth]") {
    RegistryBed* bed = shared_bed({false, "token"});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-auth-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 70, 2);
    Settings s = test_settings(tmp.path());
    s.docker_config = write_config(tmp.path(), auth_entry(bed->registry, bed->user, bed->password));

    SECTION("push asks for pull,push once; pulls reuse one pull token") {
        bed->set_token_settings(R"({"expires_in": 300})");
        RegistryClient client(s, store);
        client.push_image(image, Reference::parse(bed->registry + "/token/app"), {"v1"});
        CHECK(count_token_requests(*bed, "repository:token/app:pull,push") == 1);

        oci::ContentStore back(tmp.path() / "back");
        RegistryClient reader(s, back);
        Reference ref = Reference::parse(bed->registry + "/token/app:v1");
        reader.pull_image(ref, Platform::parse("linux/amd64"));
        reader.inspect(ref);
        CHECK(count_token_requests(*bed, "\"repository:token/app:pull\"") == 1);
    }
    SECTION("an expiring token is refreshed; access_token alone is understood") {
        bed->set_token_settings(R"({"expires_in": 4, "field": "access_token"})");
        RegistryClient client(s, store);
        client.push_image(image, Reference::parse(bed->registry + "/token/refresh"), {"v1"});
        int before = count_token_requests(*bed, "token/refresh");
        CHECK(before == 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(2200));
        client.push_image(image, Reference::parse(bed->registry + "/token/refresh"), {"v2"});
        CHECK(count_token_requests(*bed, "token/refresh") == 2);
        bed->set_token_settings("{}");
    }
    SECTION("anonymous: pulls work, a push is refused clearly") {
        RegistryClient owner(s, store);
        owner.push_image(image, Reference::parse(bed->registry + "/token/public"), {"v1"});
        oci::ContentStore back(tmp.path() / "anon");
        RegistryClient anonymous(test_settings(tmp.path()), back);
        PulledImage img = anonymous.pull_image(Reference::parse(bed->registry + "/token/public:v1"),
                                               Platform::parse("linux/amd64"));
        CHECK(img.root.digest == image.digest);
        std::string msg = error_of(
            [&] { anonymous.push_image(image, Reference::parse(bed->registry + "/token/public"), {"v2"}); }, {});
        CHECK(msg.find("requires authentication") != std::string::npos);
    }
    SECTION("the token server refuses a wrong password; no secret in the error") {
        const std::string wrong = "Token-Wr0ng-Secret";
        Settings bad = s;
        bad.docker_config = write_config(tmp.path(), auth_entry(bed->registry, bed->user, wrong));
        RegistryClient client(bad, store);
        std::string msg = error_of([&] { client.push_image(image, Reference::parse(bed->registry + "/token/x"), {"1"}); },
                                   {wrong, bed->password, base64_encode(bed->user + ":" + wrong)});
        CHECK(msg.find("token server") != std::string::npos);
        CHECK(msg.find("rejected the credentials") != std::string::npos);
    }
    SECTION("a cross-repository mount asks for pull on the source repository") {
        RegistryClient client(s, store);
        client.push_image(image, Reference::parse(bed->registry + "/token/mount-a"), {"v1"});
        PushResult r = client.push_image(image, Reference::parse(bed->registry + "/token/mount-b"), {"v1"});
        CHECK(r.blobs_mounted == 3);
        CHECK(count_token_requests(*bed, "repository:token/mount-a:pull\"") >= 1);
    }
}

TEST_CASE("credentials from credHelpers and credsStore helpers", "[auth]") {
    RegistryBed* bed = shared_bed({false, "basic"});
    if (bed == nullptr) return;
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-auth-");
    oci::ContentStore store(tmp.path() / "store");
    oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 80);
    std::filesystem::path bin = tmp.path() / "bin";
    Settings s = test_settings(tmp.path());
    s.helper_search_path = bin.string();

    SECTION("credHelpers names the helper for this registry") {
        write_helper(bin, "mabtest", bed->registry, bed->user, bed->password);
        s.docker_config = write_config(tmp.path(), fmt::format(R"({{"credHelpers":{{"{}":"mabtest"}}}})", bed->registry));
        RegistryClient client(s, store);
        CHECK(client.push_image(image, Reference::parse(bed->registry + "/helper/app"), {"v1"}).root.digest ==
              image.digest);
        CHECK(read_file(bin / "mabtest.log") == bed->registry + "\n");
    }
    SECTION("credsStore is used for every registry; its wrong secret does not leak") {
        const std::string wrong = "Helper-Wr0ng-Secret";
        write_helper(bin, "store", bed->registry, bed->user, wrong);
        s.docker_config = write_config(tmp.path(), R"({"credsStore":"store"})");
        RegistryClient client(s, store);
        std::string msg = error_of([&] { client.push_image(image, Reference::parse(bed->registry + "/helper/b"), {"1"}); },
                                   {wrong, bed->password});
        CHECK(msg.find("docker-credential-store") != std::string::npos);
    }
    SECTION("a helper that has nothing for the registry means anonymous") {
        write_helper(bin, "other", "elsewhere.example", "u", "p");
        s.docker_config = write_config(tmp.path(), R"({"credsStore":"other"})");
        RegistryClient client(s, store);
        std::string msg =
            error_of([&] { client.push_image(image, Reference::parse(bed->registry + "/helper/c"), {"1"}); }, {});
        CHECK(msg.find("requires authentication") != std::string::npos);
    }
    SECTION("a helper that is not installed is named") {
        s.docker_config = write_config(tmp.path(), R"({"credsStore":"absent"})");
        RegistryClient client(s, store);
        std::string msg =
            error_of([&] { client.push_image(image, Reference::parse(bed->registry + "/helper/d"), {"1"}); }, {});
        CHECK(msg.find("docker-credential-absent") != std::string::npos);
    }
}

TEST_CASE("verify_login, then save: what mab login will do", "[auth]") {
    for (const char* mode : {"basic", "token"}) {
        RegistryBed* bed = shared_bed({false, mode});
        if (bed == nullptr) return;
        INFO(mode);
        TempDir tmp(std::filesystem::temp_directory_path(), "mab-auth-");
        oci::ContentStore store(tmp.path() / "store");
        RegistryClient client(test_settings(tmp.path()), store);
        client.verify_login(bed->registry, bed->user, bed->password);

        const std::string wrong = "Login-Wr0ng-Secret";
        std::string msg = error_of([&] { client.verify_login(bed->registry, bed->user, wrong); },
                                   {wrong, bed->password, base64_encode(bed->user + ":" + wrong)});
        CHECK(msg.find("rejected the credentials") != std::string::npos);
        CHECK(msg.find(bed->registry) != std::string::npos);

        // Saved credentials are what the next client finds.
        std::filesystem::path config = tmp.path() / "docker" / "config.json";
        CredentialStore(config, "").save(bed->registry, bed->user, bed->password);
        Settings s = test_settings(tmp.path());
        s.docker_config = config;
        oci::Descriptor image = make_image(store, Platform::parse("linux/amd64"), 90);
        RegistryClient logged_in(s, store);
        CHECK(logged_in.push_image(image, Reference::parse(bed->registry + "/login/app"), {"v1"}).root.digest ==
              image.digest);
        CHECK(CredentialStore(config, "").erase(bed->registry));
        RegistryClient logged_out(s, store);
        msg = error_of([&] { logged_out.push_image(image, Reference::parse(bed->registry + "/login/app"), {"v2"}); }, {});
        CHECK(msg.find("requires authentication") != std::string::npos);
    }
}
