#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "emu/arch_table.hpp"
#include "emu/binfmt.hpp"
#include "emu/host_handlers.hpp"
#include "emu/test_support.hpp"

using namespace mab;
namespace fs = std::filesystem;

namespace {

const char* outcome_name(emu::HandlerOutcome outcome) {
    switch (outcome) {
    case emu::HandlerOutcome::done: return "done";
    case emu::HandlerOutcome::unchanged: return "unchanged";
    case emu::HandlerOutcome::skipped: return "skipped";
    case emu::HandlerOutcome::failed: return "failed";
    }
    return "?";
}

// "name entry outcome" per change, one a line.
std::string summary(const std::vector<emu::HandlerChange>& changes) {
    std::string out;
    for (const emu::HandlerChange& c : changes) out += c.name + " " + c.entry + " " + outcome_name(c.outcome) + "\n";
    return out;
}

// The entries of a binfmt_misc directory besides register and status.
std::string entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(dir))
        if (e.path().filename() != "register" && e.path().filename() != "status")
            names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const std::string& n : names) out += n + " ";
    return out;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool foreign_with_qemu(const char* platform) {
    const emu::ArchInfo* arch = emu::find_arch(oci::Platform::parse(platform));
    const emu::ArchInfo* host = emu::find_arch(oci::Platform::host());
    return host != nullptr && !emu::runs_natively(*arch, *host) && emu::find_qemu(*arch).has_value();
}

} // namespace

TEST_CASE("a bad architecture list is refused before anything changes") {
    TempDir dir(fs::temp_directory_path(), "mab-handlers-");  // not binfmt_misc: nothing may be written
    for (const char* list : {"arm64,,riscv64", "arm64,bogus", "linux/mips", "qemu-nonsense", ""}) {
        INFO(list);
        try {
            emu::install_handlers(list, dir.path());
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
        }
    }
    CHECK_THROWS_WITH(emu::install_handlers("linux/mips", dir.path()), Catch::Contains("no qemu handler for linux/mips"));
    CHECK_THROWS_AS(emu::uninstall_handlers("qemu-a/b", dir.path()), Error);
    // Entry names mab has no row for can be removed, not installed.
    CHECK_NOTHROW(emu::check_handler_list("qemu-sparc,arm/v7,all", emu::HandlerList::uninstall));
    CHECK_THROWS_AS(emu::check_handler_list("qemu-sparc", emu::HandlerList::install), Error);
    CHECK_NOTHROW(emu::check_handler_list("arm64, riscv64,linux/arm/v7,all", emu::HandlerList::install));
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("install and uninstall handlers in a binfmt_misc instance") {
    if (!emu::kernel_has_private_binfmt() || !foreign_with_qemu("linux/arm64") ||
        !foreign_with_qemu("linux/arm/v7")) {
        WARN("SKIPPED: needs Linux 6.7 (a private binfmt_misc instance to work in) and qemu for arm64 and arm");
        return;
    }
    const auto host_before = emu::test::host_binfmt_listing();
    TempDir dir(fs::temp_directory_path(), "mab-handlers-");
    const std::string native = oci::Platform::host().architecture;
    const fs::path mnt = dir.path();
    const std::string got = emu::test::in_own_namespaces([&] {
        if (!emu::test::mount_binfmt_misc(mnt)) return std::string("mounting binfmt_misc failed");
        std::string out;
        // The native platform is skipped: qemu must never take over the host's own binaries.
        const auto first = emu::install_handlers("arm64,linux/arm/v7,arm/v6," + native, mnt);
        out += summary(first);
        for (const emu::HandlerChange& c : first)
            if (c.outcome == emu::HandlerOutcome::done) out += c.entry + ": " + read_file(mnt / c.entry) + "\n";
        out += "entries: " + entries(mnt) + "\n";
        const auto again = emu::install_handlers("aarch64", mnt);
        out += summary(again) + again.front().detail + "\n";
        // Host handlers are refused from inside a user namespace.
        try {
            emu::open_host_binfmt(mnt);
            out += "open_host_binfmt accepted\n";
        } catch (const Error& e) {
            out += std::string("refused: ") + (std::string(e.what()).find("cannot be reached") != std::string::npos ? "ok" : e.what()) + "\n";
        }
        out += summary(emu::uninstall_handlers("qemu-aarch64,linux/arm/v7", mnt));
        out += summary(emu::uninstall_handlers("arm64", mnt));
        out += "entries: " + entries(mnt) + "\n";
        // "all": every foreign row whose qemu is installed, then all of them removed again.
        const auto all = emu::install_handlers("all", mnt);
        std::size_t done = 0;
        for (const emu::HandlerChange& c : all) {
            if (c.outcome == emu::HandlerOutcome::done) ++done;
            else if (c.outcome != emu::HandlerOutcome::skipped) out += "all: " + c.name + " " + c.detail + "\n";
        }
        const auto removed = emu::uninstall_handlers("all", mnt);
        out += "all: " + std::to_string(done == removed.size()) + " " + std::to_string(done >= 2) + "\n";
        out += "entries: " + entries(mnt) + "\n";
        return out;
    });
    const emu::ArchInfo& aarch64 = *emu::find_arch(oci::Platform::parse("linux/arm64"));
    const emu::ArchInfo& arm = *emu::find_arch(oci::Platform::parse("linux/arm/v7"));
    auto registration = [](const emu::ArchInfo& a) {
        return "enabled\ninterpreter " + emu::find_qemu(a)->string() + "\nflags: POCF\noffset 0\nmagic " +
               [&] {
                   std::string hex;
                   for (unsigned char c : emu::binfmt_bytes(a.binfmt_magic)) hex += fmt::format("{:02x}", c);
                   return hex;
               }() +
               "\nmask " + [&] {
                   std::string hex;
                   for (unsigned char c : emu::binfmt_bytes(a.binfmt_mask)) hex += fmt::format("{:02x}", c);
                   return hex;
               }() + "\n";
    };
    CHECK(got == "arm64 qemu-aarch64 done\nlinux/arm/v7 qemu-arm done\n" + native + " qemu-" +
                     std::string(emu::find_arch(oci::Platform::host())->qemu_name) + " skipped\n" +
                     "qemu-aarch64: " + registration(aarch64) + "\nqemu-arm: " + registration(arm) + "\n" +
                     "entries: qemu-aarch64 qemu-arm \n" +
                     "aarch64 qemu-aarch64 unchanged\nqemu-aarch64 already registered (interpreter " +
                     emu::find_qemu(aarch64)->string() + ", flags POCF)\n" +
                     "refused: ok\n" +
                     "qemu-aarch64 qemu-aarch64 done\nlinux/arm/v7 qemu-arm done\n" +
                     "arm64 qemu-aarch64 unchanged\n" +
                     "entries: \n" +
                     "all: 1 1\n" +
                     "entries: \n");
    CHECK(emu::test::host_binfmt_listing() == host_before);
}
