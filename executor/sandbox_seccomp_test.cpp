// The RUN's seccomp filter, through the real kernel: a static probe makes raw system
// calls through the x86_64, x32 and i386 ABIs inside the sandbox.
#include <catch2/catch.hpp>

#include <stdio.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/temp_dir.hpp"
#include "executor/sandbox.hpp"
#include "executor/test_support.hpp"

namespace fs = std::filesystem;
using namespace mab;
using namespace mab::executor;
using namespace mab::executor::testing;

namespace {

// The "Seccomp:" mode of /proc/self/status text (0 none, 2 filter).
std::string seccomp_mode(const std::string& status) {
    const size_t at = status.find("\nSeccomp:\t");
    return at == std::string::npos ? "?" : status.substr(at + 10, 1);
}

} // namespace

TEST_CASE("a RUN runs under a seccomp filter (on x86_64 hosts)") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat"});
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        Captured c = run(shell(root, "cat /proc/self/status"));
        return c.out + c.err;
    });
#if defined(__x86_64__)
    CHECK(seccomp_mode(got) == "2");
#else
    CHECK(seccomp_mode(got) == "0");
#endif
}

#ifdef MAB_SYSCALL_PROBE

namespace {

const std::vector<std::string> k_denied = {
    "keyctl",       "add_key",     "request_key", "bpf",       "perf_event_open", "userfaultfd",
    "io_uring_setup", "kexec_load", "init_module", "finit_module", "open_by_handle_at", "swapon",
    "reboot",       "acct",        "lookup_dcookie", "quotactl", "mount",          "umount2",
    "pivot_root",   "unshare",     "setns",       "open_tree", "fsopen",          "clone-newuser",
    "personality-norandom", "socket-vsock"};
const std::vector<std::string> k_allowed = {"clone-plain", "personality-query", "personality-linux32", "socket-unix"};

// Runs the probe with `checks` outside any sandbox, as the test runs.
std::string probe_on_host(const std::string& checks) {
    std::string out;
    FILE* p = ::popen((std::string(MAB_SYSCALL_PROBE) + " " + checks).c_str(), "r");
    if (!p) return "popen failed";
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

std::map<std::string, std::string> parse_results(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const size_t eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

} // namespace

TEST_CASE("the seccomp filter denies Docker's denied calls with EPERM through every x86 ABI") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh"});
    fs::copy_file(MAB_SYSCALL_PROBE, root / "probe");

    std::map<std::string, std::string> expected;
    std::vector<std::string> argv = {"/probe"};
    for (const char* abi : {"x86_64", "i386", "x32"}) {
        for (const std::string& name : k_denied)  // x32's kexec_load has a number of its own, not the probe's
            if (!(std::string(abi) == "x32" && name == "kexec_load")) expected[std::string(abi) + ":" + name] = "EPERM";
        expected[std::string(abi) + ":clone3"] = "ENOSYS";
        if (std::string(abi) != "x32")  // the allowed x32 calls reach the kernel: ENOSYS without x32 support
            for (const std::string& name : k_allowed) expected[std::string(abi) + ":" + name] = "ok";
    }
    for (const auto& [check, result] : expected) argv.push_back(check);

    std::string got = in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, "");
        spec.argv = argv;
        Captured c = run(spec);
        return c.out + c.err + "exit=" + std::to_string(c.result.exit_code);
    });
    INFO(got);
    REQUIRE(got.size() >= 6);
    CHECK(got.substr(got.size() - 6) == "exit=0");
    std::map<std::string, std::string> results = parse_results(got);
    for (const auto& [check, result] : expected) {
        INFO(check);
        CHECK(results[check] == result);
    }

    // The same calls outside the sandbox get something else from the kernel, so the
    // EPERMs above come from the filter (unless this test itself runs under one).
    if (seccomp_mode(file_text("/proc/self/status")) != "0") {
        WARN("the test runs under a seccomp filter already: skipping the comparison with the host");
        return;
    }
    const std::string distinct = "x86_64:keyctl x86_64:setns x86_64:clone3 x86_64:clone-newuser x86_64:unshare "
                                 "x86_64:personality-norandom i386:keyctl i386:setns i386:clone3 i386:unshare "
                                 "x32:keyctl x32:setns";
    std::map<std::string, std::string> host = parse_results(probe_on_host(distinct));
    std::istringstream names(distinct);
    std::string check;
    while (names >> check) {
        INFO(check << " on the host: " << host[check]);
        CHECK(host[check] != "");
        CHECK(host[check] != results[check]);
    }
}

#endif  // MAB_SYSCALL_PROBE

#if defined(__x86_64__)
TEST_CASE("a linux/386 program runs natively under the filter, with i386 calls filtered") {
    const char* cache = std::getenv("MAB_BUSYBOX_CACHE");
    const fs::path busybox = fs::path(cache ? cache : "/var/cache/mab-test/busybox") / "i386/bin/busybox";
    if (!fs::exists(busybox)) {
        WARN("skipped: no i386 busybox at " << busybox << " (emu/testdata/fetch-busybox.sh i386 fetches it)");
        return;
    }
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = tmp.path() / "rootfs";
    fs::create_directories(root / "bin");
    fs::permissions(root, fs::perms(0755));
    fs::copy_file(busybox, root / "bin/busybox");
    fs::create_symlink("busybox", root / "bin/sh");
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, "busybox uname -m; busybox unshare -U busybox true; echo unshare=$?; "
                                       "busybox grep Seccomp: /proc/self/status");
        spec.linux32 = true;
        Captured c = run(spec);
        return c.out + c.err;
    });
    INFO(got);
    CHECK(got.rfind("i686\n", 0) == 0);
    CHECK(got.find("Operation not permitted") != std::string::npos);
    CHECK(got.find("unshare=1\n") != std::string::npos);
#if defined(__x86_64__)
    CHECK(got.find("Seccomp:\t2\n") != std::string::npos);
#endif
}
#endif
