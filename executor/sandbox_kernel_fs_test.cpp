// /proc and /sys inside a RUN: runc's masked and read-only paths, a read-only /sys.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
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

const std::vector<std::string> k_masked = {"/proc/acpi",          "/proc/asound",      "/proc/interrupts",
                                           "/proc/kcore",         "/proc/keys",        "/proc/latency_stats",
                                           "/proc/sched_debug",   "/proc/scsi",        "/proc/timer_list",
                                           "/proc/timer_stats",   "/sys/firmware",     "/sys/devices/virtual/powercap"};
const std::vector<std::string> k_read_only = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

// The mount options (field 6) of the mount at `mount_point` in a mountinfo text, or "".
std::string mount_options(const std::string& mountinfo, const std::string& mount_point) {
    std::istringstream in(mountinfo);
    std::string line, found;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, point, options;
        fields >> id >> parent >> dev >> root >> point >> options;
        if (point == mount_point) found = options;  // the last one is on top
    }
    return found;
}

// The mount options of every mount at /sys or below it.
std::vector<std::string> mounts_under_sys(const std::string& mountinfo) {
    std::istringstream in(mountinfo);
    std::string line;
    std::vector<std::string> out;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, point, options;
        if (!(fields >> id >> parent >> dev >> root >> point >> options)) continue;
        if (point == "/sys" || point.rfind("/sys/", 0) == 0) out.push_back(options);
    }
    return out;
}

std::string in_sandbox(const fs::path& root, const std::string& script, Network network = Network::host) {
    return in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, script);
        spec.network = network;
        Captured c = run(spec);
        return c.out + c.err;
    });
}

} // namespace

TEST_CASE("runc's masked /proc and /sys paths read as empty") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat", "ls", "wc"});
    // For each path this kernel has: "dir N" (entries) or "file N" (bytes), then the mounts.
    std::string script;
    std::string expected;
    for (const std::string& path : k_masked) {
        if (!fs::exists(path)) continue;
        script += "if [ -d " + path + " ]; then echo " + path + " dir $(ls -A " + path + " | wc -l); else echo " +
                  path + " file $(cat " + path + " | wc -c); fi; ";
        expected += path + (fs::is_directory(path) ? " dir 0\n" : " file 0\n");
    }
    script += "cat /proc/self/mountinfo";
    std::string got = in_sandbox(root, script);
    INFO(got);
    REQUIRE(got.rfind(expected, 0) == 0);
    const std::string mountinfo = got.substr(expected.size());
    for (const std::string& path : k_masked) {
        if (!fs::exists(path)) continue;
        INFO(path);
        CHECK(mount_options(mountinfo, path) != "");
    }
    // What the masks hide is really there: the host shows it.
    if (fs::exists("/proc/interrupts")) CHECK(file_text("/proc/interrupts").size() > 0);
}

TEST_CASE("runc's read-only /proc paths are read-only mounts; sysctls cannot be written") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat"});
    fs::create_directories(root / "tmp");
    // Writes back the value it reads: harmless even if the mount were writable (as real
    // root's identity-mapped uid 0, it would then succeed; otherwise "Permission denied").
    std::string got = in_sandbox(root, "cat /proc/sys/kernel/printk_ratelimit > /tmp/v; "
                                       "cat /tmp/v 2>&1 > /proc/sys/kernel/printk_ratelimit; echo status=$?; "
                                       "cat /proc/self/mountinfo");
    INFO(got);
    CHECK(got.find("/proc/sys/kernel/printk_ratelimit: Read-only file system\nstatus=") != std::string::npos);
    for (const std::string& path : k_read_only) {
        if (!fs::exists(path)) continue;
        INFO(path);
        CHECK(mount_options(got, path).rfind("ro,", 0) == 0);
    }
    CHECK(mount_options(got, "/proc").rfind("rw,", 0) == 0);  // /proc/<pid> stays as it is
}

TEST_CASE("/sys is read-only, every mount under it too") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat", "ls", "mkdir"});
    const std::string script = "mkdir /sys/mab-test 2>&1; ls /sys/class/net; echo --; cat /proc/self/mountinfo";
    const std::string refused = "mkdir: can't create directory '/sys/mab-test': Read-only file system\n";

    // Host network: the host's /sys, bound read-only with all its submounts.
    std::string got = in_sandbox(root, script);
    INFO(got);
    std::set<std::string> interfaces;
    for (const fs::directory_entry& e : fs::directory_iterator("/sys/class/net")) interfaces.insert(e.path().filename());
    std::string expected = refused;
    for (const std::string& name : interfaces) expected += name + "\n";
    REQUIRE(got.rfind(expected + "--\n", 0) == 0);
    const std::vector<std::string> sandbox_sys = mounts_under_sys(got);
    CHECK(sandbox_sys.size() >= mounts_under_sys(file_text("/proc/self/mountinfo")).size());
    for (const std::string& options : sandbox_sys) CHECK(options.rfind("ro,", 0) == 0);

    // --network=none: a fresh sysfs that shows only that namespace's devices.
    got = in_sandbox(root, script, Network::none);
    CHECK(got.rfind(refused + "lo\n--\n", 0) == 0);
    CHECK(mount_options(got, "/sys").rfind("ro,", 0) == 0);
}
