// RUN --mount in the sandbox: binds (read-only, writable, a single file), tmpfs with a
// size, and the mount points made for them leaving no trace in the rootfs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "executor/private_tmpfs.hpp"
#include "executor/sandbox.hpp"
#include "executor/test_support.hpp"

namespace fs = std::filesystem;
using namespace mab;
using namespace mab::executor;
using namespace mab::executor::testing;

namespace {

SandboxMount bind(const fs::path& source, const std::string& target, bool readonly) {
    SandboxMount m;
    m.source = source;
    m.target = target;
    m.readonly = readonly;
    return m;
}

} // namespace

TEST_CASE("bind mounts: read-only, writable and single files, on targets the image lacks") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat", "echo", "touch", "ls"});
    fs::create_directories(tmp.path() / "ro");
    fs::create_directories(tmp.path() / "rw");
    std::ofstream(tmp.path() / "ro/a") << "from ro\n";
    std::ofstream(tmp.path() / "one-file") << "single\n";
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, "cat /in/ro/a; touch /in/ro/b 2>/dev/null || echo ro-refused; "
                                       "echo w > /deep/rw/w; cat /run/file; ls /in");
        spec.mounts = {bind(tmp.path() / "ro", "/in/ro", true), bind(tmp.path() / "rw", "/deep/rw", false),
                       bind(tmp.path() / "one-file", "/run/file", true)};
        Captured c = run(spec);
        return c.out + c.err + std::to_string(c.result.exit_code);
    });
    CHECK(got == "from ro\nro-refused\nsingle\nro\n0");
    CHECK(file_text(tmp.path() / "rw/w") == "w\n");
    CHECK_FALSE(fs::exists(tmp.path() / "ro/b"));
    // The mount points (and their parents) were made for the RUN only.
    CHECK_FALSE(fs::exists(fs::symlink_status(root / "in")));
    CHECK_FALSE(fs::exists(fs::symlink_status(root / "deep")));
    CHECK_FALSE(fs::exists(fs::symlink_status(root / "run")));
}

TEST_CASE("a tmpfs mount has its size and leaves nothing behind; a target through a symlink stays in the root") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat", "echo", "df", "grep"});
    fs::create_directories(root / "real");
    fs::create_symlink("/real", root / "link");
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, "echo x > /link/t/f && cat /real/t/f; grep ' /real/t ' /proc/mounts");
        SandboxMount m;
        m.kind = SandboxMount::Kind::tmpfs;
        m.target = "/link/t";
        m.size = 2 * 1024 * 1024;
        spec.mounts = {m};
        Captured c = run(spec);
        return c.out + c.err;
    });
    CHECK(got.rfind("x\ntmpfs /real/t tmpfs rw,nosuid,nodev,", 0) == 0);
    CHECK(got.find("size=2048k") != std::string::npos);
    CHECK(fs::is_empty(root / "real"));
}

TEST_CASE("a file mount on a directory of the image is refused naming the target") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh"});
    fs::create_directories(root / "etc/x");
    std::ofstream(tmp.path() / "f") << "f";
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        SandboxSpec spec = shell(root, "true");
        spec.mounts = {bind(tmp.path() / "f", "/etc/x", true)};
        try {
            run(spec);
            return std::string("ran");
        } catch (const Error& e) {
            return std::string(e.what());
        }
    });
    CHECK(got == "RUN sandbox: cannot mount a file on /etc/x: it is not a regular file in the image");
}

TEST_CASE("a private tmpfs is a tmpfs only mab's mount namespace sees, gone with its holder") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        fs::path where;
        std::string mounts;
        {
            PrivateTmpfs secrets(tmp.path(), "secrets-", 1 << 20);
            where = secrets.path();
            std::ofstream(where / "s") << "value";
            mounts = file_text("/proc/self/mountinfo");
        }
        return std::string(mounts.find(where.string() + " ") != std::string::npos ? "mounted" : "not mounted") +
               "|" + (fs::exists(where) ? "left" : "removed");
    });
    CHECK(got == "mounted|removed");
    CHECK(file_text("/proc/self/mountinfo").find(tmp.path().string()) == std::string::npos);
}

TEST_CASE("a RUN starts while mab has other threads (the sandbox child uses no glibc lock or thread list)") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "id"});
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        std::atomic<bool> stop{false};
        // A busy neighbour: allocating (malloc's locks) and alive while every RUN starts.
        std::thread neighbour([&stop] {
            while (!stop) {
                std::vector<std::string> garbage(64, std::string(100, 'x'));
                std::this_thread::yield();
            }
        });
        std::string out;
        for (int i = 0; i < 20; ++i) {
            SandboxSpec spec = shell(root, "id -u");
            Captured c = run(spec);
            out += c.out;
        }
        stop = true;
        neighbour.join();
        return out;
    });
    std::string expected;
    for (int i = 0; i < 20; ++i) expected += "0\n";
    CHECK(got == expected);
}
