#include "executor/user_namespace.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mab::executor {

namespace {

void write_proc_file(const char* path, const std::string& data) {
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open", path);
    if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
        throw_errno("write", path);
}

void make_mounts_private() {
    // Nothing mab mounts may propagate back to the host's mount namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw_errno("make mounts private:", "/");
}

[[noreturn]] void throw_unshare_failed(int err) {
    throw Error(ErrorKind::sandbox, std::string("cannot create a user namespace: ") + std::strerror(err))
        .with_hint("mab needs unprivileged user namespaces: check `sysctl kernel.unprivileged_userns_clone` "
                   "and `user.max_user_namespaces` (they must allow at least one), or run as root");
}

std::string find_helper(const char* name) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
        std::string path = std::string(dir) + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

std::vector<IdMapping> ranges_map(unsigned long own, const std::vector<SubordinateRange>& ranges) {
    std::vector<IdMapping> map{{0, own, 1}};
    unsigned long next = 1;
    for (const SubordinateRange& r : ranges) {
        map.push_back({next, r.start, r.count});
        next += r.count;
    }
    return map;
}

std::vector<std::string> helper_argv(const std::string& tool, pid_t pid, const std::vector<IdMapping>& map) {
    std::vector<std::string> argv{tool, std::to_string(pid)};
    for (const IdMapping& m : map) {
        argv.push_back(std::to_string(m.inside));
        argv.push_back(std::to_string(m.outside));
        argv.push_back(std::to_string(m.count));
    }
    return argv;
}

// In the forked helper: runs one id-map tool with stderr into `msg_fd`; true on success.
bool run_tool(std::vector<std::string>& argv, int msg_fd) {
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        ::dup2(msg_fd, 2);
        ::execv(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Unshares the user + mount namespace while a forked helper (still outside, where it
// has the privilege to) writes the id maps of this process: `write_maps` runs in the
// helper with a file descriptor for error text and says whether it succeeded.
void enter_with_helper(const std::function<bool(int msg_fd)>& write_maps, const std::string& what,
                       const std::string& hint) {
    int go[2], msg[2];
    if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(msg, O_CLOEXEC) != 0) throw_errno("pipe2");
    UniqueFd go_r(go[0]), go_w(go[1]), msg_r(msg[0]), msg_w(msg[1]);

    pid_t helper = ::fork();
    if (helper < 0) throw_errno("fork", "id map helper");
    if (helper == 0) {
        go_w.reset();
        char c = 0;
        ssize_t n;
        while ((n = ::read(go_r.get(), &c, 1)) < 0 && errno == EINTR) {
        }
        if (n != 1) ::_exit(0);  // the parent could not unshare; it reports that itself
        ::_exit(write_maps(msg_w.get()) ? 0 : 1);
    }
    go_r.reset();
    msg_w.reset();
    int unshare_errno = ::unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : errno;
    if (unshare_errno == 0) {
        ssize_t ignored = ::write(go_w.get(), "g", 1);
        (void)ignored;
    }
    go_w.reset();
    int status = 0;
    while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
    }
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = ::read(msg_r.get(), buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(n));
    if (unshare_errno != 0) throw_unshare_failed(unshare_errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw Error(ErrorKind::sandbox, "setting the user namespace id maps with " + what + " failed: " + message)
            .with_hint(hint);
    }
    // Our uid/gid now map to 0. Drop the host's supplementary groups (unmapped in here).
    if (::setresgid(0, 0, 0) != 0) throw_errno("setresgid", "0");
    if (::setresuid(0, 0, 0) != 0) throw_errno("setresuid", "0");
    ::setgroups(0, nullptr);
}

// The maps newuidmap/newgidmap write, which check /etc/subuid themselves.
void enter_with_ranges(const std::string& newuidmap, const std::string& newgidmap,
                       const std::vector<IdMapping>& uid_map, const std::vector<IdMapping>& gid_map) {
    std::vector<std::string> uid_args = helper_argv(newuidmap, ::getpid(), uid_map);
    std::vector<std::string> gid_args = helper_argv(newgidmap, ::getpid(), gid_map);
    enter_with_helper([&](int msg_fd) { return run_tool(uid_args, msg_fd) && run_tool(gid_args, msg_fd); },
                      newuidmap + "/" + newgidmap, "check this user's lines in /etc/subuid and /etc/subgid");
}

// Real root: every id mapped to itself. Only a process outside the new namespace may
// write a map that wide, so the helper writes it.
void enter_with_identity_map() {
    const std::string dir = "/proc/" + std::to_string(::getpid());
    enter_with_helper(
        [&](int msg_fd) {
            for (const char* file : {"/uid_map", "/gid_map"}) {
                UniqueFd fd(::open((dir + file).c_str(), O_WRONLY | O_CLOEXEC));
                const std::string line = "0 0 4294967295\n";
                if (!fd || ::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
                    dprintf(msg_fd, "write %s%s: %s\n", dir.c_str(), file, std::strerror(errno));
                    return false;
                }
            }
            return true;
        },
        "an identity map", "check that user namespaces are enabled (user.max_user_namespaces)");
}

} // namespace

std::vector<SubordinateRange> read_subordinate_ranges(const std::string& file, const std::string& name,
                                                      unsigned long id) {
    std::vector<SubordinateRange> ranges;
    std::ifstream in(file);
    std::string line;
    const std::string id_text = std::to_string(id);
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        size_t first = line.find(':');
        size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        std::string owner = line.substr(0, first);
        if (owner != id_text && (name.empty() || owner != name)) continue;
        try {
            size_t used_start = 0, used_count = 0;
            std::string start = line.substr(first + 1, second - first - 1);
            std::string count = line.substr(second + 1);
            SubordinateRange r{std::stoul(start, &used_start), std::stoul(count, &used_count)};
            if (used_start != start.size() || used_count != count.size() || r.count == 0) continue;
            ranges.push_back(r);
        } catch (const std::exception&) {
            continue;  // a malformed line is skipped, as shadow-utils does
        }
    }
    return ranges;
}

BuildNamespace enter_build_namespace() {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    BuildNamespace ns;
    if (uid == 0) {
        // Real root gets a user namespace too, mapping every id to itself: owners are
        // unchanged, but mab has a binfmt_misc of its own (qemu is registered there, never
        // on the host) and the build holds no more privilege than a rootless one.
        enter_with_identity_map();
        make_mounts_private();
        ns.mode = NamespaceMode::host_root;
        ns.uid_map = {{0, 0, 4294967295U}};
        ns.gid_map = {{0, 0, 4294967295U}};
        return ns;
    }
    std::string name;
    if (const passwd* pw = ::getpwuid(uid)) name = pw->pw_name;
    std::vector<SubordinateRange> subuid = read_subordinate_ranges("/etc/subuid", name, uid);
    std::vector<SubordinateRange> subgid = read_subordinate_ranges("/etc/subgid", name, uid);
    const std::string newuidmap = find_helper("newuidmap");
    const std::string newgidmap = find_helper("newgidmap");

    if (!subuid.empty() && !subgid.empty() && !newuidmap.empty() && !newgidmap.empty()) {
        ns.mode = NamespaceMode::subordinate_ranges;
        ns.uid_map = ranges_map(uid, subuid);
        ns.gid_map = ranges_map(gid, subgid);
        enter_with_ranges(newuidmap, newgidmap, ns.uid_map, ns.gid_map);
        make_mounts_private();
        return ns;
    }

    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) throw_unshare_failed(errno);
    write_proc_file("/proc/self/setgroups", "deny");
    write_proc_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
    write_proc_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
    make_mounts_private();
    ns.mode = NamespaceMode::single_id_map;
    ns.uid_map = {{0, uid, 1}};
    ns.gid_map = {{0, gid, 1}};
    const std::string who = name.empty() ? "uid " + std::to_string(uid) : name;
    if (subuid.empty() || subgid.empty())
        ns.warning = "no subordinate id ranges for " + who + " in /etc/subuid and /etc/subgid: only uid " +
                     std::to_string(uid) + " is mapped (as 0); files owned by other ids cannot be created "
                     "(add e.g. `" + who + ":100000:65536` to both files)";
    else
        ns.warning = "newuidmap/newgidmap not found (install Debian's `uidmap`): only uid " +
                     std::to_string(uid) + " is mapped (as 0)";
    return ns;
}

} // namespace mab::executor
