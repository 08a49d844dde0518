#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "emu/arch_table.hpp"
#include "emu/qemu_version.hpp"

using namespace mab;
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> any_installed_qemu() {
    for (const emu::ArchInfo& a : emu::arch_table())
        if (auto qemu = emu::find_qemu(a)) return qemu;
    return std::nullopt;
}

// The first line a shell gets from `<qemu> --version`: an independent reading.
std::string first_line_by_shell(const fs::path& qemu) {
    std::string out;
    if (FILE* pipe = ::popen(("'" + qemu.string() + "' --version").c_str(), "r")) {
        char buf[512];
        if (std::fgets(buf, sizeof buf, pipe) != nullptr) out = buf;
        ::pclose(pipe);
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

void write_script(const fs::path& path, const std::string& body) {
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms(0755));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("read_qemu_version gives the first line qemu --version prints") {
    const std::optional<fs::path> qemu = any_installed_qemu();
    if (!qemu) {
        WARN("SKIPPED: no qemu-user installed");
        return;
    }
    const std::string version = emu::read_qemu_version(*qemu);
    INFO(*qemu << ": " << version);
    CHECK(version.rfind("qemu-", 0) == 0);
    CHECK(version.find(" version ") != std::string::npos);
    CHECK(version == first_line_by_shell(*qemu));
}

TEST_CASE("QemuVersions runs each binary once and remembers failures") {
    TempDir tmp(fs::temp_directory_path(), "mab-qemu-version-");
    const fs::path counter = tmp.path() / "runs";
    const fs::path fake = tmp.path() / "qemu-fake";
    // A stand-in binary that counts its runs (the environment is empty: absolute paths).
    write_script(fake, "echo run >> '" + counter.string() + "'\necho 'qemu-fake version 9.1.0'\necho 'Copyright'\n");
    emu::QemuVersions versions;
    CHECK(versions.of(fake) == "qemu-fake version 9.1.0");
    CHECK(versions.of(fake) == "qemu-fake version 9.1.0");
    CHECK(read_file(counter) == "run\n");

    const fs::path failing = tmp.path() / "qemu-broken";
    write_script(failing, "exit 3\n");
    CHECK_THROWS_WITH(emu::read_qemu_version(failing), Catch::Contains("exit code 3"));
    CHECK_THAT(versions.of(failing), Catch::StartsWith("version unknown: ") && Catch::Contains("exit code 3"));

    const fs::path silent = tmp.path() / "qemu-silent";
    write_script(silent, "exit 0\n");
    CHECK_THROWS_WITH(emu::read_qemu_version(silent), Catch::Contains("printed nothing"));

    try {
        emu::read_qemu_version(tmp.path() / "missing");
        FAIL("no error for a missing binary");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::emulation);
        CHECK_THAT(e.what(), Catch::Contains("missing") && Catch::Contains("No such file"));
    }
}
