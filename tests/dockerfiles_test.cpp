// The real-world Dockerfiles in tests/dockerfiles/ (written for mab, in the styles
// projects use) parse and lower for linux/amd64 and linux/arm64 with the outcome
// tests/dockerfiles/EXPECT names for each: "ok", or "error: TEXT" where TEXT is part of
// the error as the CLI prints it ("Dockerfile:LINE: message"). A file without an
// EXPECT line, or an EXPECT line without a file, fails the test, so the set and the
// manifest change together. Base images resolve to tests/synthetic_image.hpp's stand-in;
// tests/e2e/real_world_dockerfiles.sh builds the busybox-based ones for real.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "tests/synthetic_image.hpp"

namespace fs = std::filesystem;
using namespace mab;

namespace {

const fs::path k_dir = MAB_REAL_WORLD_DOCKERFILES;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// EXPECT: "NAME ok [build:PATH]" or "NAME error: TEXT"; '#' starts a comment line.
std::map<std::string, std::string> read_expectations() {
    std::map<std::string, std::string> expected;
    std::istringstream in(read_file(k_dir / "EXPECT"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        size_t space = line.find(' ');
        REQUIRE(space != std::string::npos);
        std::string outcome = line.substr(space + 1);
        if (outcome.rfind("ok", 0) == 0) outcome = "ok";  // "ok build:PATH" is for the e2e test
        REQUIRE(expected.emplace(line.substr(0, space), outcome).second);
    }
    return expected;
}

// What lowering did: "ok", or "error: Dockerfile:LINE: message".
std::string outcome_of(const std::string& text, const std::string& platform) {
    try {
        std::shared_ptr<const dockerfile::ParsedDockerfile> parsed = dockerfile::parse(text, "Dockerfile");
        dockerfile::LowerRequest request;
        request.target_platform = oci::Platform::parse(platform);
        request.build_platform = oci::Platform::parse("linux/amd64");
        request.resolve_image = testing::synthetic_image;
        dockerfile::LoweredImage image = dockerfile::lower(*parsed, request);
        CHECK(image.rootfs.vertex());
        CHECK(image.config.platform.str() == platform);
        return "ok";
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::dockerfile);
        std::string where = e.span() ? fmt::format("{}:{}: ", e.span()->file, e.span()->first_line) : "";
        return "error: " + where + e.what();
    }
}

} // namespace

TEST_CASE("real-world Dockerfiles parse and lower as EXPECT says") {
    std::map<std::string, std::string> expected = read_expectations();
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(k_dir))
        if (e.path().extension() == ".Dockerfile") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    REQUIRE(names.size() >= 20);
    for (const std::string& name : names) {
        DYNAMIC_SECTION(name) {
            auto it = expected.find(name);
            if (it == expected.end()) FAIL("tests/dockerfiles/EXPECT has no line for " << name);
            std::string text = read_file(k_dir / (name + ".Dockerfile"));
            for (const char* platform : {"linux/amd64", "linux/arm64"}) {
                INFO(name << " for " << platform);
                std::string actual = outcome_of(text, platform);
                if (it->second == "ok") {
                    CHECK(actual == "ok");
                } else {
                    INFO("expected " << it->second << "\n  actual " << actual);
                    CHECK(actual.find(it->second.substr(std::string("error: ").size())) != std::string::npos);
                    CHECK(actual.rfind("error: ", 0) == 0);
                }
            }
        }
    }
    for (const auto& [name, outcome] : expected) {
        INFO("tests/dockerfiles/EXPECT names " << name << ", which has no .Dockerfile");
        CHECK(std::find(names.begin(), names.end(), name) != names.end());
    }
}
