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

// Reads `fd` to its end and closes it.
std::string read_all(int fd) {
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
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

std::string in_own_namespaces(const std::function<std::string()>& fn) {
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
        } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            result = "CHILD: making mounts private failed";
        } else {
            try {
                result = fn();
            } catch (const std::exception& e) {
                result = std::string("EXCEPTION: ") + e.what();
            }
        }
        send(out[1], result);
        ::_exit(0);
    }
    ::close(out[1]);
    const std::string result = read_all(out[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return result;
}

bool mount_binfmt_misc(const fs::path& dir) {
    return ::mount("binfmt_misc", dir.c_str(), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
}

std::string output_of(const fs::path& program, const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0) return "fork failed";
    if (child == 0) {
        ::dup2(out[1], 1);
        ::close(0);
        ::execv(program.c_str(), args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    const std::string result = read_all(out[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    return result;
}

} // namespace mab::emu::test
