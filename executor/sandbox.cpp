#include "executor/sandbox.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "executor/command_init.hpp"
#include "executor/mount_stubs.hpp"
#include "executor/sandbox_child.hpp"
#include "executor/sandbox_mounts.hpp"
#include "executor/seccomp_filter.hpp"

extern char** environ;

namespace mab::executor {

namespace {

void bring_loopback_up(const ChildContext& c) {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) child_fail(c, "socket", "lo");
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) child_fail(c, "get flags of", "lo");
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) child_fail(c, "bring up", "lo");
    ::close(s);
}

// mkdir -p of the absolute path in `c.cwd`, resolved inside the new root.
void make_cwd(ChildContext& c) {
    char* path = c.cwd.data();
    for (char* p = path + 1; *p != '\0'; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        if (::mkdir(path, 0755) != 0 && errno != EEXIST) child_fail(c, "mkdir", path);
        *p = '/';
    }
    if (::mkdir(path, 0755) != 0 && errno != EEXIST) child_fail(c, "mkdir", path);
    if (::chdir(path) != 0) child_fail(c, "chdir", path);
}

void drop_privileges(const ChildContext& c) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) child_fail(c, "prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
    for (int cap = 0; cap <= c.cap_last; ++cap) {
        if (cap < 64 && (k_default_capabilities >> cap) & 1ULL) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) child_fail(c, "prctl", "PR_CAPBSET_DROP");
    }
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        auto word = static_cast<__u32>(k_default_capabilities >> (32 * i));
        data[i].effective = data[i].permitted = data[i].inheritable = word;
    }
    if (::syscall(SYS_capset, &header, data) != 0) child_fail(c, "capset", "");
    // Raw system calls, not glibc's wrappers: in a process with threads (a RUN's ssh
    // proxy, a parallel solver) glibc makes every thread it knows of change ids too
    // (__nptl_setxid) and waits for them, and the clone() child has none of them: it
    // would wait forever. The child is one thread, so changing its own ids is enough.
    // setgroups is denied (EPERM) in a single-id user namespace, where no other group
    // could be represented anyway: like runc, the RUN then keeps the groups it has.
    if (::syscall(SYS_setgroups, c.groups->size(), c.groups->data()) != 0 && errno != EPERM)
        child_fail(c, "setgroups", "(is every supplementary gid mapped in the user namespace?)");
    if (::syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0)
        child_fail(c, "setgid", "(is the gid mapped in the user namespace?)");
    if (::syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0)
        child_fail(c, "setuid", "(is the uid mapped in the user namespace?)");
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(c, "prctl", "PR_SET_NO_NEW_PRIVS");
    if (c.linux32 && ::personality(PER_LINUX32) == -1) child_fail(c, "personality", "PER_LINUX32");
}

void install_seccomp(const ChildContext& c) {
    if (c.seccomp->empty()) return;
    sock_fprog program{};
    program.len = static_cast<unsigned short>(c.seccomp->size());
    program.filter = const_cast<sock_filter*>(c.seccomp->data());
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) child_fail(c, "install", "seccomp filter");
}

int child_main(void* arg) {
    ChildContext& c = *static_cast<ChildContext*>(arg);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(c, "make mounts private", "/");
    if (::mount(c.rootfs, c.rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0) child_fail(c, "bind-mount", c.rootfs);
    int root = ::open(c.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) child_fail(c, "open", c.rootfs);

    setup_proc(c, root);
    setup_sys(c, root);
    setup_dev(c, root);
    setup_etc(c, root);
    setup_run_mounts(c, root);

    if (::fchdir(root) != 0) child_fail(c, "chdir", c.rootfs);
    if (::syscall(SYS_pivot_root, ".", ".") != 0) child_fail(c, "pivot_root", c.rootfs);
    if (::umount2(".", MNT_DETACH) != 0) child_fail(c, "unmount old root", "/");
    if (::chdir("/") != 0) child_fail(c, "chdir", "/");
    ::close(root);

    if (::sethostname(c.hostname, std::strlen(c.hostname)) != 0) child_fail(c, "sethostname", c.hostname);
    if (c.network_none) bring_loopback_up(c);
    make_cwd(c);

    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) child_fail(c, "open", "/dev/null");
    if (::dup2(null_fd, 0) < 0 || ::dup2(c.out_fd, 1) < 0 || ::dup2(c.err_fd, 2) < 0) child_fail(c, "dup2", "stdio");

    // The caller may block or ignore signals (e.g. for a signalfd); the command must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);

    drop_privileges(c);
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) child_fail(c, "close_range", "");
    environ = c.envp.data();
    // Last, after no_new_privs (which lets an unprivileged process install a filter) and
    // after every mount: from here on the filter refuses them.
    install_seccomp(c);
    fork_command_below_init(c.status_fd, c.result_fd, c.hide);  // returns as the command, PID 2
    ::execvp(c.argv[0], c.argv.data());
    child_fail(c, "exec", c.argv[0]);
}

std::string read_host_file(const char* path) {
    std::ifstream in(path);
    std::stringstream ss;
    if (in) ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::filesystem::path& path, const std::string& data) {
    std::ofstream out(path);
    out << data;
    if (!out) throw_errno("write", path.string());
}

int read_cap_last() {
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int value = CAP_LAST_CAP;
    if (in >> value) return value;
    return CAP_LAST_CAP;
}

void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("waitpid", std::to_string(pid));
    }
    return status;
}

} // namespace

RunResult run_in_sandbox(const SandboxSpec& spec) {
    if (spec.argv.empty()) throw Error(ErrorKind::internal, "run_in_sandbox: empty argv");
    if (spec.cwd.empty() || spec.cwd[0] != '/')
        throw Error(ErrorKind::input, "working directory must be absolute: " + spec.cwd);

    TempDir generated(std::filesystem::temp_directory_path(), "mab-run-");
    const std::filesystem::path hosts = generated.path() / "hosts";
    const std::filesystem::path resolv = generated.path() / "resolv.conf";
    const std::filesystem::path hostname = generated.path() / "hostname";
    write_file(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" +
                          spec.hostname + "\n");
    write_file(resolv, spec.network == Network::none ? std::string() : read_host_file("/etc/resolv.conf"));
    write_file(hostname, spec.hostname + "\n");
    const std::string hosts_s = hosts.string(), resolv_s = resolv.string(), hostname_s = hostname.string();
    const std::string rootfs = spec.rootfs.string();

    // RUN --mount targets: what each needs (a directory, or a file for a file or socket
    // source) and its strings, ready for the child.
    std::vector<MountPoint> points;
    std::vector<std::string> mount_strings;  // target, shown, data per mount, never resized below
    mount_strings.reserve(spec.mounts.size() * 3);
    std::vector<ChildMount> child_mounts;
    for (const SandboxMount& m : spec.mounts) {
        if (m.target.empty() || m.target[0] != '/')
            throw Error(ErrorKind::internal, "mount target must be absolute: " + m.target);
        ChildMount cm;
        cm.tmpfs = m.kind == SandboxMount::Kind::tmpfs;
        cm.readonly = m.readonly;
        if (!cm.tmpfs) {
            struct stat st {};
            if (::stat(m.source.c_str(), &st) != 0) throw_errno("stat mount source", m.source.string());
            cm.directory = S_ISDIR(st.st_mode);
            cm.source = m.source.c_str();
        }
        const std::string relative = m.target.substr(m.target.find_first_not_of('/') == std::string::npos
                                                         ? m.target.size()
                                                         : m.target.find_first_not_of('/'));
        points.push_back({relative, cm.directory, true});
        cm.target = mount_strings.emplace_back(relative.empty() ? "." : relative).c_str();
        cm.shown = mount_strings.emplace_back(m.target).c_str();
        if (cm.tmpfs && m.size) cm.data = mount_strings.emplace_back("size=" + std::to_string(*m.size)).c_str();
        child_mounts.push_back(cm);
    }

    UniqueFd root_fd(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) throw_errno("open", rootfs);
    MountStubs stubs(root_fd.get(), points);

    UniqueFd out_r, out_w, err_r, err_w, status_r, status_w, result_r, result_w;
    make_pipe(out_r, out_w);
    make_pipe(err_r, err_w);
    make_pipe(status_r, status_w);
    make_pipe(result_r, result_w);

    std::vector<std::string> argv_copy = spec.argv, env_copy = spec.env;
    ChildContext ctx;
    ctx.rootfs = rootfs.c_str();
    for (std::string& a : argv_copy) ctx.argv.push_back(a.data());
    ctx.argv.push_back(nullptr);
    for (std::string& e : env_copy) ctx.envp.push_back(e.data());
    ctx.envp.push_back(nullptr);
    ctx.cwd.assign(spec.cwd.begin(), spec.cwd.end());
    ctx.cwd.push_back('\0');
    ctx.uid = spec.uid;
    ctx.gid = spec.gid;
    ctx.groups = &spec.supplementary_gids;
    ctx.hostname = spec.hostname.c_str();
    ctx.linux32 = spec.linux32;
    ctx.network_none = spec.network == Network::none;
    ctx.generated_hosts = hosts_s.c_str();
    ctx.generated_resolv = resolv_s.c_str();
    ctx.generated_hostname = hostname_s.c_str();
    ctx.out_fd = out_w.get();
    ctx.err_fd = err_w.get();
    ctx.status_fd = status_w.get();
    ctx.result_fd = result_w.get();
    ctx.hide = own_strings();
    ctx.cap_last = read_cap_last();
    const std::vector<sock_filter> seccomp = build_seccomp_filter(host_syscall_abis());
    ctx.seccomp = &seccomp;
    ctx.mounts = &child_mounts;

    int flags = CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | SIGCHLD;
    if (spec.network == Network::none) flags |= CLONE_NEWNET;
    std::vector<char> stack(1 << 20);
    const pid_t pid = ::clone(child_main, stack.data() + stack.size(), flags, &ctx);
    if (pid < 0) throw_errno("clone (new PID/IPC/UTS/mount namespaces)");
    out_w.reset();
    err_w.reset();
    status_w.reset();
    result_w.reset();

    // The status pipe closes on exec (success) or carries the setup error.
    std::string setup_error;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(status_r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        setup_error.append(buf, static_cast<size_t>(n));
    }
    if (!setup_error.empty()) {
        ::kill(pid, SIGKILL);
        wait_for(pid);
        stubs.remove();
        throw Error(ErrorKind::sandbox, "RUN sandbox: " + setup_error);
    }

    RunResult result;
    try {
        pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
        int open_streams = 2;
        while (open_streams > 0) {
            if (spec.cancelled && spec.cancelled()) {
                // pid is the init of its PID namespace: killing it kills every process in it.
                ::kill(pid, SIGKILL);
                result.cancelled = true;
                break;
            }
            int ready = ::poll(fds, 2, 100);
            if (ready < 0) {
                if (errno == EINTR) continue;
                throw_errno("poll", "RUN output");
            }
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0 || fds[i].revents == 0) continue;
                ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                if (n <= 0) {
                    fds[i].fd = -1;
                    --open_streams;
                    continue;
                }
                if (spec.on_output)
                    spec.on_output(i == 0 ? OutputStream::out : OutputStream::err,
                                   std::string_view(buf, static_cast<size_t>(n)));
            }
        }
    } catch (...) {
        ::kill(pid, SIGKILL);
        wait_for(pid);
        stubs.remove();
        throw;
    }
    // How the command ended, as its init saw it; the init's own status when it reported
    // nothing (it was killed).
    const int init_status = wait_for(pid);
    const int status = read_command_status(result_r.get()).value_or(init_status);
    stubs.remove();
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.exit_code = 128 + result.signal;
    }
    return result;
}

} // namespace mab::executor
