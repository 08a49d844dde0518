#include "executor/sandbox.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
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
#include <sys/statfs.h>
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

extern char** environ;

namespace mab::executor {

namespace {

// Everything the child needs, prepared by the parent: the child runs after clone() in a
// possibly multi-threaded process, so it allocates nothing and only makes system calls.
struct ChildContext {
    const char* rootfs = nullptr;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<char> cwd;  // NUL-terminated, absolute, modified in place by mkdir -p
    uid_t uid = 0;
    gid_t gid = 0;
    bool linux32 = false;
    const std::vector<gid_t>* groups = nullptr;
    const char* hostname = nullptr;
    bool network_none = false;
    const char* generated_hosts = nullptr;
    const char* generated_resolv = nullptr;
    const char* generated_hostname = nullptr;
    int out_fd = -1;
    int err_fd = -1;
    int status_fd = -1;  // receives a message when setup fails; closed by exec on success
    int result_fd = -1;  // the init writes the command's wait status here (command_init.hpp)
    OwnStrings hide;     // mab's argv/environment strings, wiped in the init
    int cap_last = CAP_LAST_CAP;
};

[[noreturn]] void child_fail_text(const ChildContext& c, const char* a, const char* b, const char* c2) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%s%s%s", a, b, c2);
    ssize_t ignored = ::write(c.status_fd, buf, std::strlen(buf));
    (void)ignored;
    ::_exit(127);
}

// "step path: strerror"
[[noreturn]] void child_fail(const ChildContext& c, const char* step, const char* path) {
    char buf[1024];
    int err = errno;
    std::snprintf(buf, sizeof buf, "%s %s: %s", step, path, std::strerror(err));
    ssize_t ignored = ::write(c.status_fd, buf, std::strlen(buf));
    (void)ignored;
    ::_exit(127);
}

void fd_path(int fd, char (&buf)[64]) { std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }

// Opens (creating when missing) the directory `name` directly under `dir`, refusing
// symlinks: a runtime mount point must never be redirected by the image (SECURITY §B 16).
int open_mount_dir(const ChildContext& c, int dir, const char* name, const char* shown) {
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) child_fail(c, "stat", shown);
        if (::mkdirat(dir, name, 0755) != 0) child_fail(c, "mkdir", shown);
    } else if (S_ISLNK(st.st_mode)) {
        child_fail_text(c, "refusing to mount on ", shown, ": it is a symlink in the image");
    } else if (!S_ISDIR(st.st_mode)) {
        child_fail_text(c, "refusing to mount on ", shown, ": it is not a directory in the image");
    }
    int fd = ::openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) child_fail(c, "open", shown);
    return fd;
}

void mount_on_fd(const ChildContext& c, const char* source, int fd, const char* type,
                 unsigned long flags, const char* data, const char* shown) {
    char target[64];
    fd_path(fd, target);
    if (::mount(source, target, type, flags, data) != 0) child_fail(c, "mount", shown);
}

// Creates (or opens) the regular file `name` under `dir` without following symlinks
// and bind-mounts `source` onto it.
void bind_file(const ChildContext& c, int dir, const char* name, const char* source, const char* shown) {
    int fd = ::openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == ELOOP) child_fail_text(c, "refusing to mount on ", shown, ": it is a symlink in the image");
        child_fail(c, "create", shown);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) child_fail(c, "stat", shown);
    if (!S_ISREG(st.st_mode)) child_fail_text(c, "refusing to mount on ", shown, ": it is not a regular file");
    mount_on_fd(c, source, fd, nullptr, MS_BIND, nullptr, shown);
    ::close(fd);
}

void setup_dev(const ChildContext& c, int root) {
    int mount_point = open_mount_dir(c, root, "dev", "/dev");
    mount_on_fd(c, "tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k", "/dev");
    ::close(mount_point);
    // Re-open through the new mount; make sure it really is our fresh tmpfs.
    int dev = ::openat(root, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dev < 0) child_fail(c, "open", "/dev");
    struct statfs sfs {};
    if (::fstatfs(dev, &sfs) != 0) child_fail(c, "statfs", "/dev");
    if (sfs.f_type != TMPFS_MAGIC) child_fail_text(c, "/dev", " is not the fresh tmpfs", "");

    static const char* const k_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char* const k_host[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"};
    for (size_t i = 0; i < sizeof k_nodes / sizeof k_nodes[0]; ++i) {
        int fd = ::openat(dev, k_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) child_fail(c, "create /dev/", k_nodes[i]);
        mount_on_fd(c, k_host[i], fd, nullptr, MS_BIND, nullptr, k_host[i]);
        ::close(fd);
    }
    if (::mkdirat(dev, "pts", 0755) != 0) child_fail(c, "mkdir", "/dev/pts");
    int pts = ::openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pts < 0) child_fail(c, "open", "/dev/pts");
    mount_on_fd(c, "devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", "/dev/pts");
    ::close(pts);
    if (::symlinkat("pts/ptmx", dev, "ptmx") != 0) child_fail(c, "symlink", "/dev/ptmx");
    if (::mkdirat(dev, "shm", 01777) != 0) child_fail(c, "mkdir", "/dev/shm");
    int shm = ::openat(dev, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (shm < 0) child_fail(c, "open", "/dev/shm");
    mount_on_fd(c, "shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", "/dev/shm");
    ::close(shm);
    static const char* const k_links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
    for (const auto& link : k_links)
        if (::symlinkat(link[0], dev, link[1]) != 0) child_fail(c, "symlink /dev/", link[1]);
    ::close(dev);
}

void setup_etc(const ChildContext& c, int root) {
    int etc = open_mount_dir(c, root, "etc", "/etc");
    bind_file(c, etc, "hosts", c.generated_hosts, "/etc/hosts");
    bind_file(c, etc, "resolv.conf", c.generated_resolv, "/etc/resolv.conf");
    bind_file(c, etc, "hostname", c.generated_hostname, "/etc/hostname");
    ::close(etc);
}

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
    // setgroups is denied in a single-id user namespace; an empty list is then moot.
    if (::setgroups(c.groups->size(), c.groups->data()) != 0 && !(errno == EPERM && c.groups->empty()))
        child_fail(c, "setgroups", "");
    if (::setresgid(c.gid, c.gid, c.gid) != 0) child_fail(c, "setgid", "(is the gid mapped in the user namespace?)");
    if (::setresuid(c.uid, c.uid, c.uid) != 0) child_fail(c, "setuid", "(is the uid mapped in the user namespace?)");
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(c, "prctl", "PR_SET_NO_NEW_PRIVS");
    if (c.linux32 && ::personality(PER_LINUX32) == -1) child_fail(c, "personality", "PER_LINUX32");
}

int child_main(void* arg) {
    ChildContext& c = *static_cast<ChildContext*>(arg);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(c, "make mounts private", "/");
    if (::mount(c.rootfs, c.rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0) child_fail(c, "bind-mount", c.rootfs);
    int root = ::open(c.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) child_fail(c, "open", c.rootfs);

    int proc = open_mount_dir(c, root, "proc", "/proc");
    mount_on_fd(c, "proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, "/proc");
    ::close(proc);
    setup_dev(c, root);
    setup_etc(c, root);

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

// The runtime mount points the sandbox creates when the image lacks them; they are
// removed again afterwards so they do not end up in the RUN's layer.
struct Stub {
    const char* parent;  // "" for the rootfs itself
    const char* name;
    bool directory;
};
constexpr Stub k_stubs[] = {{"etc", "hosts", false}, {"etc", "resolv.conf", false}, {"etc", "hostname", false},
                            {"", "etc", true},       {"", "proc", true},           {"", "dev", true}};

// Opens `parent` (a direct child of the rootfs, or the rootfs itself) without following symlinks.
UniqueFd open_stub_parent(int root, const char* parent) {
    if (parent[0] == '\0') return UniqueFd(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    return UniqueFd(::openat(root, parent, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::vector<const Stub*> missing_stubs(int root) {
    std::vector<const Stub*> missing;
    for (const Stub& stub : k_stubs) {
        UniqueFd parent = open_stub_parent(root, stub.parent);
        struct stat st {};
        if (!parent || ::fstatat(parent.get(), stub.name, &st, AT_SYMLINK_NOFOLLOW) != 0) missing.push_back(&stub);
    }
    return missing;
}

// Removes the stubs we created, only while they are still what we made: an empty
// regular file or an empty directory, reached without following any symlink.
void remove_stubs(int root, const std::vector<const Stub*>& created) {
    for (const Stub* stub : created) {
        UniqueFd parent = open_stub_parent(root, stub->parent);
        if (!parent) continue;
        struct stat st {};
        if (::fstatat(parent.get(), stub->name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (stub->directory && S_ISDIR(st.st_mode))
            ::unlinkat(parent.get(), stub->name, AT_REMOVEDIR);  // fails harmlessly when not empty
        else if (!stub->directory && S_ISREG(st.st_mode) && st.st_size == 0)
            ::unlinkat(parent.get(), stub->name, 0);
    }
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

    UniqueFd root_fd(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) throw_errno("open", rootfs);
    const std::vector<const Stub*> stubs = missing_stubs(root_fd.get());

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
        remove_stubs(root_fd.get(), stubs);
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
        remove_stubs(root_fd.get(), stubs);
        throw;
    }
    // How the command ended, as its init saw it; the init's own status when it reported
    // nothing (it was killed).
    const int init_status = wait_for(pid);
    const int status = read_command_status(result_r.get()).value_or(init_status);
    remove_stubs(root_fd.get(), stubs);
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.exit_code = 128 + result.signal;
    }
    return result;
}

} // namespace mab::executor
