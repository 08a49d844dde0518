#include "emu/test_support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "emu/binfmt.hpp"

namespace mab::emu::test {

namespace fs = std::filesystem;

namespace {

bool write_proc(const char* path, const std::string& text) {
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

void send(int fd, const std::string& text) {
    std::size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

} // namespace

std::optional<fs::path> fetch_busybox(std::string_view debian_arch) {
    static std::map<std::string, std::optional<fs::path>> cache;
    const std::string key(debian_arch);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    const std::string command = std::string("sh '") + MAB_EMU_TESTDATA + "/fetch-busybox.sh' " + key;
    std::optional<fs::path> result;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        std::string out;
        char buf[512];
        while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
        const int status = ::pclose(pipe);
        while (!out.empty() && out.back() == '\n') out.pop_back();
        if (status == 0 && !out.empty()) result = fs::path(out);
    }
    if (!result) WARN("SKIPPING busybox-static:" << key << ": fetch-busybox.sh could not fetch it (apt unreachable?)");
    cache[key] = result;
    return result;
}

std::map<std::string, std::string> host_binfmt_listing() {
    std::map<std::string, std::string> listing;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(k_host_binfmt_dir, ec)) {
        std::ifstream in(e.path());
        std::stringstream text;
        text << in.rdbuf();
        listing[e.path().filename().string()] = text.str();
    }
    return listing;
}

std::string in_private_binfmt(const fs::path& mount_point,
                              const std::function<std::string(const fs::path&)>& fn) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return "CHILD: pipe failed";
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0) return "CHILD: fork failed";
    if (child == 0) {
        ::close(out[0]);
        std::string result;
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            result = "CHILD: unshare failed";
        } else if (!write_proc("/proc/self/setgroups", "deny") ||
                   !write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
                   !write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
            result = "CHILD: id maps refused";
        } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                   ::mount("binfmt_misc", mount_point.c_str(), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                           nullptr) != 0) {
            result = "CHILD: mounting a private binfmt_misc failed";
        } else {
            try {
                result = fn(mount_point);
            } catch (const std::exception& e) {
                result = std::string("EXCEPTION: ") + e.what();
            }
        }
        send(out[1], result);
        ::_exit(0);
    }
    ::close(out[1]);
    std::string result;
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) result.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return result;
}

} // namespace mab::emu::test
