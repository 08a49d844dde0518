#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "base/error.hpp"
#include "oci/platform.hpp"

using mab::Error;
using mab::ErrorKind;
using mab::oci::parse_platform_list;
using mab::oci::Platform;

namespace {

std::string parse_error(const std::string& text) {
    try {
        Platform::parse(text);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        return e.what();
    }
    return "(accepted)";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("platforms normalise like containerd", "[platform]") {
    const std::pair<const char*, const char*> table[] = {
        {"linux/amd64", "linux/amd64"},
        {"linux/x86_64", "linux/amd64"},
        {"linux/x86-64", "linux/amd64"},
        {"Linux/AMD64", "linux/amd64"},
        {"linux/amd64/v1", "linux/amd64"},
        {"linux/amd64/v2", "linux/amd64/v2"},
        {"linux/amd64/v3", "linux/amd64/v3"},
        {"linux/amd64/4", "linux/amd64/v4"},
        {"linux/arm64", "linux/arm64"},
        {"linux/aarch64", "linux/arm64"},
        {"linux/arm64/v8", "linux/arm64"},
        {"linux/arm64/8", "linux/arm64"},
        {"linux/aarch64/v8", "linux/arm64"},
        {"linux/arm64/v9", "linux/arm64/v9"},
        {"linux/arm", "linux/arm/v7"},
        {"linux/arm/v7", "linux/arm/v7"},
        {"linux/arm/7", "linux/arm/v7"},
        {"linux/arm/6", "linux/arm/v6"},
        {"linux/arm/v5", "linux/arm/v5"},
        {"linux/arm/8", "linux/arm/v8"},
        {"linux/armhf", "linux/arm/v7"},
        {"linux/armel", "linux/arm/v6"},
        {"linux/i386", "linux/386"},
        {"linux/i486", "linux/386"},
        {"linux/i586", "linux/386"},
        {"linux/i686", "linux/386"},
        {"linux/386", "linux/386"},
        {"linux/ppc64le", "linux/ppc64le"},
        {"linux/s390x", "linux/s390x"},
        {"linux/riscv64", "linux/riscv64"},
        {"linux/mips64le", "linux/mips64le"},
        {"linux/loong64", "linux/loong64"},
        {"windows/amd64", "windows/amd64"},
        {"darwin/arm64", "darwin/arm64"},
        {"macos/arm64", "darwin/arm64"},
        {"freebsd/amd64", "freebsd/amd64"},
        {"arm64", "linux/arm64"},
        {"aarch64", "linux/arm64"},
        {"amd64", "linux/amd64"},
        {"arm", "linux/arm/v7"},
        {"armel", "linux/arm/v6"},
        {"s390x", "linux/s390x"},
    };
    for (const auto& [input, expected] : table) {
        INFO(input);
        Platform p = Platform::parse(input);
        CHECK(p.str() == expected);
        CHECK(p.normalized() == p);
    }
}

TEST_CASE("parse(str(p)) round-trips", "[platform]") {
    const char* inputs[] = {"linux/amd64",   "linux/amd64/v3", "linux/arm64",    "linux/arm64/v8.2",
                            "linux/arm/v6",  "linux/arm/v7",   "linux/386",      "linux/ppc64le",
                            "linux/s390x",   "linux/riscv64",  "linux/mips64le", "linux/loong64",
                            "windows/amd64", "freebsd/arm64"};
    for (const char* input : inputs) {
        INFO(input);
        Platform p = Platform::parse(input);
        CHECK(p.str() == input);
        CHECK(Platform::parse(p.str()) == p);
    }
}

TEST_CASE("platform fields, str and dir_name", "[platform]") {
    Platform p = Platform::parse("linux/arm/v7");
    CHECK(p.os == "linux");
    CHECK(p.architecture == "arm");
    CHECK(p.variant == "v7");
    CHECK(p.os_version.empty());
    CHECK(p.dir_name() == "linux_arm_v7");
    CHECK(Platform::parse("linux/amd64").dir_name() == "linux_amd64");
    CHECK(Platform{"linux", "aarch64", "v8", ""}.normalized() ==
          Platform{"linux", "arm64", "", ""});
    CHECK(Platform{"Linux", "armhf", "", ""}.normalized().str() == "linux/arm/v7");
}

TEST_CASE("an OS alone takes the host's architecture", "[platform]") {
    Platform p = Platform::parse("linux");
    CHECK(p == Platform::host());
}

TEST_CASE("host platform is a known, normalised platform", "[platform]") {
    Platform host = Platform::host();
    CHECK(host.os == "linux");
    CHECK(host.normalized() == host);
    CHECK(Platform::parse(host.str()) == host);
#if defined(__x86_64__)
    CHECK(host.str() == "linux/amd64");
#elif defined(__aarch64__)
    CHECK(host.str() == "linux/arm64");
#endif
}

TEST_CASE("unknown platforms are usage errors with a suggestion", "[platform]") {
    std::string msg = parse_error("linux/arm65");
    CHECK(contains(msg, "unknown platform \"linux/arm65\""));
    CHECK(contains(msg, "did you mean \"linux/arm64\"?"));

    msg = parse_error("linux/x86_46");
    CHECK(contains(msg, "did you mean \"linux/amd64\"?"));

    msg = parse_error("linux/aarch46");
    CHECK(contains(msg, "did you mean \"linux/arm64\"?"));

    msg = parse_error("linus/amd64");
    CHECK(contains(msg, "unknown operating system \"linus\""));
    CHECK(contains(msg, "did you mean \"linux/amd64\"?"));

    msg = parse_error("amd46");
    CHECK(contains(msg, "did you mean \"amd64\"?"));

    msg = parse_error("linux/sparc");
    CHECK(contains(msg, "unknown architecture \"sparc\""));
    CHECK_FALSE(contains(msg, "did you mean"));

    msg = parse_error("linux/arm/v9");
    CHECK(contains(msg, "unknown variant \"v9\" for arm"));
    CHECK(contains(parse_error("linux/amd64/v5"), "unknown variant"));
    CHECK(contains(parse_error("linux/s390x/v1"), "unknown variant"));

    try {
        Platform::parse("linux/arm65");
    } catch (const Error& e) {
        CHECK(contains(e.hint(), "arm64"));
    }
}

TEST_CASE("malformed platforms are rejected", "[platform]") {
    const char* bad[] = {"",
                         "/",
                         "linux/",
                         "/amd64",
                         "linux//amd64",
                         "linux/amd64/v2/x",
                         "linux/amd 64",
                         "linux/*",
                         "linux/../amd64x",
                         "linux/amd64\n"};
    for (const char* text : bad) {
        INFO(text);
        CHECK(parse_error(text) != "(accepted)");
    }
}

TEST_CASE("platform lists", "[platform]") {
    std::vector<Platform> list =
        parse_platform_list(" linux/amd64 , linux/aarch64,linux/arm64/v8,linux/arm,linux/armhf ");
    REQUIRE(list.size() == 3);
    CHECK(list[0].str() == "linux/amd64");
    CHECK(list[1].str() == "linux/arm64");
    CHECK(list[2].str() == "linux/arm/v7");

    CHECK(parse_platform_list("s390x").at(0).str() == "linux/s390x");
    CHECK_THROWS_AS(parse_platform_list(""), Error);
    CHECK_THROWS_AS(parse_platform_list("linux/amd64,"), Error);
    CHECK_THROWS_AS(parse_platform_list("linux/amd64,,linux/arm64"), Error);
    CHECK_THROWS_AS(parse_platform_list("linux/amd64, ,linux/arm64"), Error);
    CHECK_THROWS_AS(parse_platform_list("linux/amd64,linux/arm65"), Error);
}
