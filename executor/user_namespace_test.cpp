#include "executor/user_namespace.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/temp_dir.hpp"
#include "executor/test_support.hpp"

namespace fs = std::filesystem;
using namespace mab;
using namespace mab::executor;

TEST_CASE("subordinate ranges are read by user name or uid, in file order") {
    TempDir tmp(fs::temp_directory_path(), "mab-subid-test-");
    fs::path file = tmp.path() / "subuid";
    std::ofstream(file) << "# comment\n"
                           "alice:100000:65536\n"
                           "bob:200000:1000\n"
                           "1005:300000:10\n"
                           "bob:bad:10\n"
                           "bob:400000:0\n"
                           "bob:500000:5x\n"
                           "bob:600000\n"
                           "bob:700000:20\n";
    std::vector<SubordinateRange> bob = read_subordinate_ranges(file.string(), "bob", 1005);
    REQUIRE(bob.size() == 3);
    CHECK(bob[0].start == 200000);
    CHECK(bob[0].count == 1000);
    CHECK(bob[1].start == 300000);
    CHECK(bob[1].count == 10);
    CHECK(bob[2].start == 700000);
    CHECK(bob[2].count == 20);
    CHECK(read_subordinate_ranges(file.string(), "carol", 42).empty());
    CHECK(read_subordinate_ranges((tmp.path() / "missing").string(), "bob", 1005).empty());
}

namespace {

std::string map_text(const std::vector<IdMapping>& map) {
    std::string out;
    for (const IdMapping& m : map)
        out += std::to_string(m.inside) + " " + std::to_string(m.outside) + " " + std::to_string(m.count) + "\n";
    return out;
}

// /proc/self/uid_map without its column padding.
std::string normalised(const std::string& path) {
    std::ifstream in(path);
    std::string out;
    unsigned long a, b, c;
    while (in >> a >> b >> c) out += std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c) + "\n";
    return out;
}

} // namespace

TEST_CASE("the build namespace maps ids as reported and makes us root in it") {
    const uid_t uid = ::geteuid();
    std::string got = testing::in_build_namespace([](const BuildNamespace& ns) {
        std::string mode = ns.mode == NamespaceMode::host_root            ? "host_root"
                           : ns.mode == NamespaceMode::subordinate_ranges ? "subordinate_ranges"
                                                                          : "single_id_map";
        std::string maps_ok = (map_text(ns.uid_map) == normalised("/proc/self/uid_map") &&
                                       map_text(ns.gid_map) == normalised("/proc/self/gid_map"))
                                  ? "maps ok"
                                  : "maps differ: " + map_text(ns.uid_map) + " vs " + normalised("/proc/self/uid_map");
        return mode + "|" + std::to_string(::geteuid()) + "|" + std::to_string(::getegid()) + "|" + maps_ok + "|" +
               std::to_string(ns.uid_map.size());
    });
    if (uid == 0) {
        // Real root: an identity map of every id in a user namespace of its own.
        CHECK(got == "host_root|0|0|maps ok|1");
    } else {
        const passwd* pw = ::getpwuid(uid);
        std::string name = pw ? pw->pw_name : "";
        bool has_ranges = !read_subordinate_ranges("/etc/subuid", name, uid).empty() &&
                          !read_subordinate_ranges("/etc/subgid", name, uid).empty();
        INFO(got);
        if (has_ranges) {
            CHECK(got.rfind("subordinate_ranges|0|0|maps ok|", 0) == 0);
            CHECK(got.substr(got.rfind('|') + 1) != "1");
        } else {
            CHECK(got == "single_id_map|0|0|maps ok|1");
        }
    }
}
