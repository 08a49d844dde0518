#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "emu/arch_table.hpp"

using namespace mab;

TEST_CASE("every platform the table names parses back to its own row") {
    for (const emu::ArchInfo& a : emu::arch_table()) {
        std::string text = "linux/" + std::string(a.architecture);
        if (!a.variant.empty()) text += "/" + std::string(a.variant);
        INFO(text);
        const emu::ArchInfo* found = emu::find_arch(oci::Platform::parse(text));
        REQUIRE(found != nullptr);
        CHECK(found->debian_arch == a.debian_arch);
    }
}

TEST_CASE("aliases find the same rows as the canonical names") {
    CHECK(emu::find_arch(oci::Platform::parse("linux/aarch64"))->qemu_name == "aarch64");
    CHECK(emu::find_arch(oci::Platform::parse("linux/arm64/v8"))->qemu_name == "aarch64");
    CHECK(emu::find_arch(oci::Platform::parse("linux/arm"))->debian_arch == "armhf");
    CHECK(emu::find_arch(oci::Platform::parse("linux/i386"))->uname_machine == "i686");
    CHECK(emu::find_arch(oci::Platform{"linux", "mips", "", ""}) == nullptr);
}

TEST_CASE("rows are unique per platform") {
    std::set<std::string> seen;
    for (const emu::ArchInfo& a : emu::arch_table())
        CHECK(seen.insert(std::string(a.architecture) + "/" + std::string(a.variant)).second);
}
