#include "emu/qemu_locator.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "base/temp_dir.hpp"
#include "emu/arch_table.hpp"

using namespace mab;
namespace fs = std::filesystem;

namespace {

const char* k_static_qemu = "/usr/bin/qemu-aarch64-static";

const emu::ArchInfo& arm64() { return *emu::find_arch(oci::Platform::parse("linux/arm64")); }

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (m_old) ::setenv(m_name, m_old->c_str(), 1);
        else ::unsetenv(m_name);
    }

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

// Resets mab.yaml's qemu-path for one scope.
struct ScopedSearchDirs {
    explicit ScopedSearchDirs(std::vector<fs::path> dirs) { emu::set_qemu_search_dirs(std::move(dirs)); }
    ~ScopedSearchDirs() { emu::set_qemu_search_dirs({}); }
};

void copy_executable(const fs::path& from, const fs::path& to) {
    fs::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

} // namespace

TEST_CASE("only statically linked ELF executables count as qemu", "[qemu]") {
    if (!fs::exists(k_static_qemu)) {
        WARN("qemu-user-static is not installed: skipped");
        return;
    }
    CHECK(emu::is_static_elf(k_static_qemu));
    CHECK_FALSE(emu::is_static_elf("/bin/ls"));  // dynamic: needs ld.so, which the image may lack
    TempDir dir(fs::temp_directory_path(), "mab-qemu-");
    std::ofstream(dir.path() / "script") << "#!/bin/sh\necho hi\n";
    CHECK_FALSE(emu::is_static_elf(dir.path() / "script"));
    CHECK_FALSE(emu::is_static_elf(dir.path() / "missing"));
}

TEST_CASE("qemu is looked for in mab.yaml's qemu-path, then PATH, then Debian's places", "[qemu]") {
    if (!fs::exists(k_static_qemu)) {
        WARN("qemu-user-static is not installed: skipped");
        return;
    }
    TempDir tmp(fs::temp_directory_path(), "mab-qemu-");
    const fs::path configured = tmp.path() / "configured", on_path = tmp.path() / "on-path";
    fs::create_directories(configured);
    fs::create_directories(on_path);

    ScopedEnv path("PATH", on_path.string() + ":/usr/bin:/bin");
    CHECK(emu::find_qemu(arm64()) == fs::path(k_static_qemu));

    copy_executable(k_static_qemu, on_path / "qemu-aarch64-static");
    CHECK(emu::find_qemu(arm64()) == on_path / "qemu-aarch64-static");

    // A dynamic binary under qemu's name is passed over (it could not start after
    // pivot_root into an image without the host's libraries).
    copy_executable("/bin/ls", configured / "qemu-aarch64");
    ScopedSearchDirs dirs({configured});
    CHECK(emu::find_qemu(arm64()) == on_path / "qemu-aarch64-static");
    copy_executable(k_static_qemu, configured / "qemu-aarch64-static");
    CHECK(emu::find_qemu(arm64()) == configured / "qemu-aarch64-static");

    const std::vector<fs::path> order = emu::qemu_candidates("aarch64");
    REQUIRE(order.size() >= 4);
    CHECK(order.front() == configured / "qemu-aarch64-static");
    CHECK(std::find(order.begin(), order.end(), fs::path("/usr/libexec/qemu-binfmt/aarch64-binfmt-P")) != order.end());
}
