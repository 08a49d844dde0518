#include <catch2/catch.hpp>

#include <fstream>
#include <map>
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

TEST_CASE("magic and mask equal Debian's qemu-user-static registrations where installed") {
    // /usr/share/binfmts/qemu-<name> holds what binfmt-support registers; mab must
    // recognise exactly the same binaries (and host_handler_status compares masks).
    int compared = 0;
    for (const emu::ArchInfo& a : emu::arch_table()) {
        std::ifstream in("/usr/share/binfmts/qemu-" + std::string(a.qemu_name));
        if (!in) continue;
        std::map<std::string, std::string> fields;
        for (std::string line; std::getline(in, line);) {
            const std::size_t space = line.find(' ');
            if (space != std::string::npos) fields[line.substr(0, space)] = line.substr(space + 1);
        }
        INFO("qemu-" << a.qemu_name);
        CHECK(emu::binfmt_bytes(fields["magic"]) == emu::binfmt_bytes(a.binfmt_magic));
        CHECK(emu::binfmt_bytes(fields["mask"]) == emu::binfmt_bytes(a.binfmt_mask));
        CHECK(fields["offset"] == "0");
        ++compared;
    }
    if (compared == 0) WARN("SKIPPED: no /usr/share/binfmts/qemu-* (qemu-user-static is not installed)");
}

TEST_CASE("runs_natively: the row itself, 386 on amd64, arm/v6 on arm/v7, nothing else") {
    const auto* amd64 = emu::find_arch(oci::Platform::parse("linux/amd64"));
    const auto* i386 = emu::find_arch(oci::Platform::parse("linux/386"));
    const auto* arm64 = emu::find_arch(oci::Platform::parse("linux/arm64"));
    const auto* armv7 = emu::find_arch(oci::Platform::parse("linux/arm/v7"));
    const auto* armv6 = emu::find_arch(oci::Platform::parse("linux/arm/v6"));
    CHECK(emu::runs_natively(*amd64, *amd64));
    CHECK(emu::runs_natively(*i386, *amd64));
    CHECK_FALSE(emu::runs_natively(*amd64, *i386));
    CHECK_FALSE(emu::runs_natively(*arm64, *amd64));
    CHECK(emu::runs_natively(*armv6, *armv7));
    CHECK_FALSE(emu::runs_natively(*armv7, *armv6));
}

TEST_CASE("riscv64, mips64le, mips64 and loong64 have rows") {
    CHECK(emu::find_arch(oci::Platform::parse("linux/riscv64"))->uname_machine == "riscv64");
    CHECK(emu::find_arch(oci::Platform::parse("linux/mips64le"))->qemu_name == "mips64el");
    CHECK(emu::find_arch(oci::Platform::parse("linux/mips64"))->qemu_name == "mips64");
    CHECK(emu::find_arch(oci::Platform::parse("linux/loong64"))->qemu_name == "loongarch64");
}
