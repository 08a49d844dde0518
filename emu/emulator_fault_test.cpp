#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "emu/arch_table.hpp"
#include "emu/emulator_fault.hpp"
#include "emu/test_support.hpp"

using namespace mab;
namespace fs = std::filesystem;

namespace {

const char* const k_report = "qemu: uncaught target signal 11 (Segmentation fault) - core dumped";

struct Ended {
    emu::RunEnd end;
    std::string err;
};

// Runs argv (no shell) and returns how it ended and its stderr.
Ended run(const std::vector<std::string>& args) {
    int err[2];
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(err[1], 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(err[1]);
    Ended ended;
    char buf[256];
    for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) ended.err.append(buf, static_cast<std::size_t>(n));
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ended.end = {128 + WTERMSIG(status), WTERMSIG(status)};
    else ended.end = {WEXITSTATUS(status), 0};
    return ended;
}

} // namespace

TEST_CASE("QemuReportWatch finds qemu's report across chunk boundaries") {
    emu::QemuReportWatch watch;
    watch.feed("some output\nqemu: uncaught tar");
    CHECK(watch.report().empty());
    watch.feed("get signal 11 (Segmentation fault) - core dumped\nmore ");
    CHECK(watch.report() == k_report);
    watch.feed("text\n");
    CHECK(watch.report() == k_report);  // later lines do not hide it

    emu::QemuReportWatch unfinished;  // the last line may lack its newline
    unfinished.feed("qemu: uncaught target signal 4 (Illegal instruction) - core dumped");
    CHECK(unfinished.report() == "qemu: uncaught target signal 4 (Illegal instruction) - core dumped");

    emu::QemuReportWatch quoted;  // only at the start of a line
    quoted.feed("echo 'qemu: uncaught target signal 11'\n" + std::string(100000, 'x') + "\n");
    CHECK(quoted.report().empty());
}

TEST_CASE("find_emulator_fault: only emulated RUNs, only signals that point at the emulator") {
    const fs::path qemu = "/usr/bin/qemu-aarch64-static";
    // Native RUNs and successes are never emulator faults.
    CHECK_FALSE(emu::find_emulator_fault({}, {139, SIGSEGV}, k_report));
    CHECK_FALSE(emu::find_emulator_fault(qemu, {0, 0}, k_report));
    // The command's own failures.
    CHECK_FALSE(emu::find_emulator_fault(qemu, {1, 0}, ""));
    CHECK_FALSE(emu::find_emulator_fault(qemu, {137, SIGKILL}, ""));
    CHECK_FALSE(emu::find_emulator_fault(qemu, {143, SIGTERM}, ""));
    // Killed by a fault signal, with or without qemu's report.
    for (int signal : {SIGSEGV, SIGILL, SIGBUS, SIGABRT, SIGTRAP}) {
        INFO(signal);
        const auto fault = emu::find_emulator_fault(qemu, {128 + signal, signal}, "");
        REQUIRE(fault);
        CHECK(fault->qemu == qemu);
        CHECK(fault->signal == signal);
    }
    // qemu's report decides even when a shell turned the signal into an exit code.
    const auto reported = emu::find_emulator_fault(qemu, {139, 0}, k_report);
    REQUIRE(reported);
    CHECK(reported->qemu_report == k_report);
}

TEST_CASE("describe_emulator_fault names qemu, its version and what happened") {
    const emu::EmulatorFault reported{"/usr/bin/qemu-aarch64-static", SIGSEGV, k_report};
    CHECK(emu::describe_emulator_fault(reported, "qemu-aarch64 version 7.2.18") ==
          "emulator fault: qemu-user (/usr/bin/qemu-aarch64-static, qemu-aarch64 version 7.2.18) reported \"" +
              std::string(k_report) + "\"");
    const emu::EmulatorFault silent{"/usr/bin/qemu-s390x-static", SIGILL, ""};
    CHECK(emu::describe_emulator_fault(silent, "qemu-s390x version 7.2.18") ==
          "emulator fault: the process running under qemu-user (/usr/bin/qemu-s390x-static, qemu-s390x version "
          "7.2.18) was killed by SIGILL");
    const std::string hint = emu::emulator_fault_hint(oci::Platform::parse("linux/arm64"));
    CHECK_THAT(hint, Catch::Contains("native linux/arm64 runner") && Catch::Contains("newer qemu-user-static"));
}

TEST_CASE("a real guest SIGSEGV under qemu-user is classified as an emulator fault") {
    const oci::Platform arm64 = oci::Platform::parse("linux/arm64");
    const emu::ArchInfo& row = *emu::find_arch(arm64);
    if (emu::find_arch(oci::Platform::host()) == &row) {
        WARN("SKIPPED: the host is arm64");
        return;
    }
    const std::optional<fs::path> qemu = emu::find_qemu(row);
    const std::optional<fs::path> busybox = emu::test::fetch_busybox("arm64");
    if (!qemu || !busybox) {
        WARN("SKIPPED: needs qemu-aarch64 and busybox-static:arm64");
        return;
    }
    // The guest shell sends itself SIGSEGV; qemu reports it and dies of it.
    const Ended ended = run({qemu->string(), busybox->string(), "sh", "-c", "kill -SEGV $$"});
    INFO(ended.err);
    CHECK(ended.end.signal == SIGSEGV);
    emu::QemuReportWatch watch;
    watch.feed(ended.err);
    CHECK(watch.report().rfind("qemu: uncaught target signal 11 (", 0) == 0);
    const auto fault = emu::find_emulator_fault(*qemu, ended.end, watch.report());
    REQUIRE(fault);
    CHECK(fault->qemu_report == watch.report());
}
