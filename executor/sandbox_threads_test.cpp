// The sandbox in a multi-threaded process (the solver runs vertices on a worker pool):
// the child that clone() makes is a copy of every thread's state, so it must not wait
// for a lock another thread held at that moment, and the RUN's init must not keep
// another op's pipes open.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.hpp"
#include "executor/test_support.hpp"

namespace fs = std::filesystem;
using namespace mab;
using namespace mab::executor;
using namespace mab::executor::testing;

TEST_CASE("RUNs started while other threads allocate do not hang (the sandbox child takes no malloc lock)") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path());
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        // A child stuck on a lock copied in its locked state never execs: the alarm
        // ends this process, and the test sees no answer instead of hanging.
        ::alarm(90);
        std::atomic<bool> stop{false};
        std::vector<std::thread> allocators;
        for (int t = 0; t < 3; ++t) {
            allocators.emplace_back([&stop] {
                while (!stop) {
                    std::vector<std::unique_ptr<std::string>> junk;
                    for (int i = 0; i < 64; ++i) junk.push_back(std::make_unique<std::string>(200 + i, 'x'));
                }
            });
        }
        int ok = 0;
        for (int i = 0; i < 100; ++i) ok += run(shell(root, "true")).result.exit_code == 0 ? 1 : 0;
        stop = true;
        for (std::thread& t : allocators) t.join();
        return std::to_string(ok);
    });
    CHECK(got == "100");
}

TEST_CASE("a RUN's init keeps no descriptor another thread had open (another RUN's output pipe)") {
    TempDir tmp(fs::temp_directory_path(), "mab-exec-test-");
    fs::path root = make_busybox_rootfs(tmp.path(), {"sh", "cat", "touch"});
    REQUIRE(::mkfifo((root / "gate").c_str(), 0666) == 0);
    std::string got = in_build_namespace([&](const BuildNamespace&) {
        // Stands for the write end of another op's pipe, open in the parent when this RUN starts.
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe2 failed");
        Captured blocked;
        std::thread runner([&] { blocked = run(shell(root, "touch /started; cat /gate")); });
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!fs::exists(root / "started") && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        // The RUN is running: closing our write end must end the pipe, unless the RUN's
        // init holds a copy.
        ::close(fds[1]);
        pollfd p{fds[0], POLLIN, 0};
        const bool closed = ::poll(&p, 1, 10000) == 1 && (p.revents & POLLHUP) != 0;
        // Let the RUN end: opening the fifo for writing and closing it gives `cat` EOF.
        int gate = ::open((root / "gate").c_str(), O_WRONLY | O_CLOEXEC);
        if (gate >= 0) ::close(gate);
        runner.join();
        ::close(fds[0]);
        return std::string(closed ? "closed" : "held open") + " " + std::to_string(blocked.result.exit_code) +
               blocked.err;
    });
    CHECK(got == "closed 0");
}
