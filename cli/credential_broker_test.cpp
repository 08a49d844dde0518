#include <catch2/catch.hpp>

#include <fstream>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "cli/credential_broker.hpp"

using namespace mab;

namespace {

registry::Settings settings_with_config(const std::filesystem::path& config, const std::string& json) {
    std::ofstream(config) << json;
    registry::Settings settings;
    settings.docker_config = config;
    settings.helper_search_path = "/nonexistent";
    return settings;
}

} // namespace

TEST_CASE("the credential broker answers from its own process") {
    TempDir tmp(std::filesystem::temp_directory_path(), "mab-broker-");
    // "auth" is base64 of "user:pa:ss" (a colon in the secret is kept).
    registry::Settings settings = settings_with_config(
        tmp.path() / "config.json",
        R"({"auths": {"reg.example:5000": {"auth": "dXNlcjpwYTpzcw=="}}, "credHelpers": {"helped.example": "absent"}})");
    cli::CredentialBroker broker(settings);

    std::optional<registry::Credentials> found = broker.find("reg.example:5000");
    REQUIRE(found);
    CHECK(found->username == "user");
    CHECK(found->secret == "pa:ss");
    CHECK(found->source == (tmp.path() / "config.json").string());
    CHECK_FALSE(broker.find("other.example"));
    // The broker read the file once, at the first question: a change now is not seen.
    std::ofstream(tmp.path() / "config.json") << "{}";
    CHECK(broker.find("reg.example:5000"));

    // Its errors come back as errors, with their kind and message.
    try {
        broker.find("helped.example");
        FAIL("a missing helper was not an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::registry);
        CHECK_THAT(e.what(), Catch::Contains("docker-credential-absent"));
    }
}
