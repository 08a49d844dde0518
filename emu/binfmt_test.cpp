#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "emu/arch_table.hpp"
#include "emu/binfmt.hpp"
#include "emu/test_support.hpp"

using namespace mab;
using mab::emu::test::fetch_busybox;
using mab::emu::test::host_binfmt_listing;
namespace fs = std::filesystem;

namespace {

std::string read_header(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string header(20, '\0');
    in.read(header.data(), 20);
    REQUIRE(in.gcount() == 20);
    return header;
}

bool header_matches(const std::string& header, const emu::ArchInfo& arch) {
    const std::string magic = emu::binfmt_bytes(arch.binfmt_magic);
    const std::string mask = emu::binfmt_bytes(arch.binfmt_mask);
    for (std::size_t i = 0; i < magic.size(); ++i)
        if ((header[i] & mask[i]) != (magic[i] & mask[i])) return false;
    return true;
}

const emu::ArchInfo& row(std::string_view debian_arch) {
    for (const emu::ArchInfo& a : emu::arch_table())
        if (a.debian_arch == debian_arch) return a;
    FAIL("no row for " << debian_arch);
    throw 0;
}

oci::Platform platform_of(const emu::ArchInfo& a) {
    return oci::Platform{"linux", std::string(a.architecture), std::string(a.variant), ""};
}

// One write(2), as binfmt_misc control files want it.
void write_file(const char* path, const std::string& text) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (fd >= 0) ::close(fd);
    if (!ok) throw std::runtime_error(std::string("write ") + path + ": " + std::strerror(errno));
}

} // namespace

TEST_CASE("binfmt magic and mask strings decode to 20 header bytes with the ELF machine") {
    for (const emu::ArchInfo& a : emu::arch_table()) {
        INFO(a.debian_arch);
        const std::string magic = emu::binfmt_bytes(a.binfmt_magic);
        const std::string mask = emu::binfmt_bytes(a.binfmt_mask);
        REQUIRE(magic.size() == 20);
        REQUIRE(mask.size() == 20);
        CHECK(magic.substr(0, 4) == "\x7f" "ELF");
        // e_machine at offset 18, in the byte order EI_DATA (offset 5) names.
        const auto lo = static_cast<unsigned char>(magic[magic[5] == 1 ? 18 : 19]);
        const auto hi = static_cast<unsigned char>(magic[magic[5] == 1 ? 19 : 18]);
        CHECK(static_cast<unsigned>(lo | (hi << 8)) == a.elf_machine);
    }
}

TEST_CASE("the table's magic/mask recognise Debian's busybox-static of its own arch and no other") {
    std::vector<std::pair<const emu::ArchInfo*, std::string>> headers;
    for (const char* debian_arch : {"amd64", "arm64", "armhf", "ppc64el", "s390x", "i386"}) {
        const std::optional<fs::path> busybox = fetch_busybox(debian_arch);
        if (busybox) headers.emplace_back(&row(debian_arch), read_header(*busybox));
    }
    if (headers.empty()) {
        WARN("SKIPPED: no busybox-static package could be fetched");
        return;
    }
    for (const auto& [own, header] : headers) {
        for (const emu::ArchInfo& a : emu::arch_table()) {
            INFO("busybox-static:" << own->debian_arch << " against row " << a.debian_arch);
            CHECK(header_matches(header, a) == (a.qemu_name == own->qemu_name));
        }
    }
}

TEST_CASE("plan_emulation: host native, unknown missing, foreign through qemu") {
    const oci::Platform host = oci::Platform::host();
    const emu::ArchInfo* host_row = emu::find_arch(host);
    REQUIRE(host_row != nullptr);
    const oci::Platform foreign = oci::Platform::parse(host_row->architecture == "arm64" ? "linux/s390x" : "linux/arm64");
    const emu::EmulationPlan plan =
        emu::plan_emulation({host, foreign, oci::Platform{"linux", "mips", "", ""}});
    REQUIRE(plan.platforms.size() == 3);
    CHECK(plan.platforms[0].how == emu::Support::native);
    CHECK(plan.platforms[0].interpreter.empty());
    CHECK(plan.platforms[2].how == emu::Support::missing);
    CHECK_THAT(plan.platforms[2].reason, Catch::Contains("linux/mips"));
    CHECK_THROWS_AS(plan.require_all(), Error);

    const emu::PlatformSupport* f = plan.find(foreign);
    REQUIRE(f != nullptr);
    const std::optional<fs::path> qemu = emu::find_qemu(*emu::find_arch(foreign));
    if (qemu && emu::kernel_has_private_binfmt()) {
        CHECK(f->how == emu::Support::private_qemu);
        CHECK(f->interpreter == *qemu);
        CHECK(plan.needs_private_handlers());
    } else {
        CHECK(f->how != emu::Support::private_qemu);
    }
    // Without the private instance only host handlers can help.
    const emu::EmulationPlan fallback = emu::plan_emulation({foreign}, emu::UsePrivate::no);
    CHECK(fallback.platforms[0].how != emu::Support::private_qemu);
    if (fallback.platforms[0].how == emu::Support::missing)
        CHECK_THAT(fallback.platforms[0].reason,
                   Catch::Contains("qemu-" + std::string(emu::find_arch(foreign)->qemu_name)));
}

TEST_CASE("probe_platforms lists every table row and the host as native") {
    const std::vector<emu::PlatformSupport> probe = emu::probe_platforms();
    REQUIRE(probe.size() == emu::arch_table().size());
    const oci::Platform host = oci::Platform::host();
    bool host_seen = false;
    for (const emu::PlatformSupport& p : probe) {
        INFO(p.platform.str() << ": " << emu::support_name(p.how) << " " << p.reason);
        if (p.platform == host) {
            host_seen = true;
            CHECK(p.how == emu::Support::native);
        }
        if (p.how == emu::Support::missing) CHECK_FALSE(p.reason.empty());
        if (p.how == emu::Support::private_qemu || p.how == emu::Support::host_qemu)
            CHECK(fs::exists(p.interpreter));
    }
    CHECK(host_seen);
}

TEST_CASE("register_private_handlers refuses to run in the initial user namespace") {
    const auto before = host_binfmt_listing();
    TempDir dir(fs::temp_directory_path(), "mab-binfmt-");
    try {
        emu::register_private_handlers({oci::Platform::parse("linux/arm64")}, dir.path());
        FAIL("no error in the initial user namespace");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::internal);
    }
    CHECK(host_binfmt_listing() == before);
}

TEST_CASE("foreign busybox runs through qemu registered in a private binfmt_misc") {
    std::vector<const emu::ArchInfo*> arches;
    std::map<const emu::ArchInfo*, fs::path> binaries;
    const emu::ArchInfo* host_row = emu::find_arch(oci::Platform::host());
    for (const char* debian_arch : {"arm64", "armhf", "ppc64el", "s390x"}) {
        const emu::ArchInfo& a = row(debian_arch);
        if (&a == host_row) continue;
        if (!emu::find_qemu(a)) {
            WARN("SKIPPING " << debian_arch << ": qemu-" << a.qemu_name << " not installed");
            continue;
        }
        if (const std::optional<fs::path> busybox = fetch_busybox(debian_arch)) {
            arches.push_back(&a);
            binaries[&a] = *busybox;
        }
    }
    if (arches.empty() || !emu::kernel_has_private_binfmt()) {
        WARN("SKIPPED: no foreign busybox/qemu available or kernel older than 6.7");
        return;
    }
    const auto before = host_binfmt_listing();
    TempDir dir(fs::temp_directory_path(), "mab-binfmt-");
    const std::string output = emu::test::in_own_namespaces([&] {
        std::string out;
        // The kernel refusing the mount surfaces as an emulation error.
        try {
            emu::register_private_handlers({platform_of(*arches[0])}, "/nonexistent/binfmt");
            out += "no error for a refused mount\n";
        } catch (const Error& e) {
            out += std::string("refused: ") + (e.kind() == ErrorKind::emulation ? "emulation" : "other") + "\n";
        }
        std::vector<oci::Platform> platforms{oci::Platform::host()};
        for (const emu::ArchInfo* a : arches) platforms.push_back(platform_of(*a));
        const auto registered = emu::register_private_handlers(platforms, dir.path());
        out += "registered " + std::to_string(registered.size()) + "\n";
        // Registering again in the same instance is harmless.
        emu::register_private_handlers(platforms, dir.path());
        for (const emu::ArchInfo* a : arches) {
            const auto status = emu::host_handler_status(platform_of(*a), dir.path());
            out += fmt::format("status {:d} {} {:d}\n", status && status->enabled, status ? status->flags : "-",
                               status && status->matches);
        }
        // A disabled handler reads back as disabled; then switch it on again.
        const fs::path entry = dir.path() / ("qemu-" + std::string(arches[0]->qemu_name));
        write_file(entry.c_str(), "0");
        const auto off = emu::host_handler_status(platform_of(*arches[0]), dir.path());
        out += fmt::format("disabled {:d}\n", off && !off->enabled);
        write_file(entry.c_str(), "1");
        // argv[0] "uname": busybox picks the applet from it, so P must preserve it.
        for (const emu::ArchInfo* a : arches) out += emu::test::output_of(binaries[a], {"uname", "-m"});
        return out;
    });
    INFO(output);

    std::string expected = "refused: emulation\nregistered " + std::to_string(arches.size()) + "\n";
    for (std::size_t i = 0; i < arches.size(); ++i) expected += "status 1 POCF 1\n";
    expected += "disabled 1\n";
    for (const emu::ArchInfo* a : arches) expected += std::string(a->uname_machine) + "\n";
    CHECK(output == expected);
    CHECK(host_binfmt_listing() == before);
}
