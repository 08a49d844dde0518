#include <catch2/catch.hpp>

#include "oci/platform_match.hpp"

using namespace mab::oci;

namespace {
Descriptor entry(const std::string& platform, char fill) {
    Descriptor d;
    d.digest = Digest::parse("sha256:" + std::string(64, fill));
    d.platform = Platform::parse(platform);
    return d;
}
} // namespace

TEST_CASE("exact platforms match first") {
    std::vector<Descriptor> index{entry("linux/amd64", 'a'), entry("linux/arm64", 'b'), entry("linux/arm/v7", 'c')};
    CHECK(select_manifest(index, Platform::parse("linux/arm64"))->digest.hex()[0] == 'b');
    CHECK(select_manifest(index, Platform::parse("linux/arm64/v8"))->digest.hex()[0] == 'b');
    CHECK(select_manifest(index, Platform::parse("linux/arm/v7"))->digest.hex()[0] == 'c');
    CHECK_FALSE(select_manifest(index, Platform::parse("linux/s390x")));
}

TEST_CASE("arm/v7 falls back to the closest older variant, never a newer one") {
    std::vector<Descriptor> index{entry("linux/arm/v5", 'a'), entry("linux/arm/v6", 'b')};
    CHECK(select_manifest(index, Platform::parse("linux/arm/v7"))->digest.hex()[0] == 'b');
    CHECK_FALSE(select_manifest({entry("linux/arm/v7", 'c')}, Platform::parse("linux/arm/v6")));
}

TEST_CASE("amd64 variants: plain amd64 serves every level") {
    CHECK(platform_match_rank(Platform::parse("linux/amd64/v3"), Platform::parse("linux/amd64")) == 2);
    CHECK_FALSE(platform_match_rank(Platform::parse("linux/amd64"), Platform::parse("linux/amd64/v3")));
    CHECK_FALSE(platform_match_rank(Platform::parse("linux/amd64"), Platform::parse("linux/arm64")));
}
