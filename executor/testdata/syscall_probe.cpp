// Test program for the RUN's seccomp filter (x86_64 only, linked statically so it runs
// in a bare rootfs). Each argument is ABI:CHECK; for each it makes one raw system call
// with harmless arguments and prints "ABI:CHECK=RESULT", RESULT being "ok" or the errno
// name. ABI is x86_64 (syscall), x32 (syscall with the x32 bit) or i386 (int $0x80,
// which a 64-bit process may use and the kernel treats as an i386 call).
//
// The numbers are typed here from the kernel's syscall tables on purpose, independent of
// the <asm/unistd_*.h> tables the filter is built from.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

struct Check {
    const char* name;
    long nr64;  // x86_64; x32 adds 0x40000000
    long nr32;  // i386
    long args[5];
};

constexpr long k_at_fdcwd = -100;
const char k_slash[] = "/";
const char k_tmpfs[] = "tmpfs";

// Harmless arguments: without the filter each call fails early (bad pointer, bad fd,
// bad command) or does something that ends with this process.
const Check k_checks[] = {
    {"keyctl", 250, 288, {-1, 0, 0, 0, 0}},
    {"add_key", 248, 286, {0, 0, 0, 0, 0}},
    {"request_key", 249, 287, {0, 0, 0, 0, 0}},
    {"bpf", 321, 357, {-1, 0, 0, 0, 0}},
    {"perf_event_open", 298, 336, {0, 0, -1, -1, 0}},
    {"userfaultfd", 323, 374, {1 /* UFFD_USER_MODE_ONLY */, 0, 0, 0, 0}},
    {"io_uring_setup", 425, 425, {0, 0, 0, 0, 0}},
    {"kexec_load", 246, 283, {0, 0, 0, 0, 0}},
    {"init_module", 175, 128, {0, 0, 0, 0, 0}},
    {"finit_module", 313, 350, {-1, 0, 0, 0, 0}},
    {"open_by_handle_at", 304, 342, {-1, 0, 0, 0, 0}},
    {"swapon", 167, 87, {0, 0, 0, 0, 0}},
    {"reboot", 169, 88, {0, 0, 0, 0, 0}},
    {"acct", 163, 51, {0, 0, 0, 0, 0}},
    {"lookup_dcookie", 212, 253, {0, 0, 0, 0, 0}},
    {"quotactl", 179, 131, {-1, 0, 0, 0, 0}},
    {"mount", 165, 21, {0, 0, 0, 0, 0}},
    {"umount2", 166, 52, {0, 0, 0, 0, 0}},
    {"pivot_root", 155, 217, {0, 0, 0, 0, 0}},
    {"unshare", 272, 310, {0, 0, 0, 0, 0}},
    {"setns", 308, 346, {-1, 0, 0, 0, 0}},
    {"open_tree", 428, 428, {k_at_fdcwd, 0 /* k_slash */, 0, 0, 0}},
    {"fsopen", 430, 430, {0 /* k_tmpfs */, 0, 0, 0, 0}},
    {"clone-newuser", 56, 120, {0x10000000 | 0x200 /* CLONE_NEWUSER|CLONE_FS: invalid */, 0, 0, 0, 0}},
    {"clone-plain", 56, 120, {17 /* SIGCHLD */, 0, 0, 0, 0}},
    {"clone3", 435, 435, {0, 0, 0, 0, 0}},
    {"personality-query", 135, 136, {0xffffffff, 0, 0, 0, 0}},
    {"personality-linux32", 135, 136, {0x8, 0, 0, 0, 0}},
    {"personality-norandom", 135, 136, {0x0040000, 0, 0, 0, 0}},
    {"socket-vsock", 41, 359, {40 /* AF_VSOCK */, 1, 0, 0, 0}},
    {"socket-unix", 41, 359, {1 /* AF_UNIX */, 1, 0, 0, 0}},
};

long pointer_arg(const char* p) { return static_cast<long>(reinterpret_cast<uintptr_t>(p)); }

// Returns the raw kernel result (-errno on failure).
long call64(long nr, const long (&a)[5]) {
    long ret;
    register long r10 asm("r10") = a[3];
    register long r8 asm("r8") = a[4];
    asm volatile("syscall"
                 : "=a"(ret)
                 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8)
                 : "rcx", "r11", "memory");
    return ret;
}

long call32(long nr, const long (&a)[5]) {
    long ret;
    asm volatile("int $0x80"
                 : "=a"(ret)
                 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                 : "r8", "r9", "r10", "r11", "memory");
    return static_cast<int32_t>(ret);  // an i386 call returns 32 bits
}

void report(const char* abi, const char* name, long ret) {
    if (ret < 0 && ret > -4096) {
        const char* err = strerrorname_np(static_cast<int>(-ret));
        std::printf("%s:%s=%s\n", abi, name, err ? err : "unknown-errno");
    } else {
        std::printf("%s:%s=ok\n", abi, name);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    for (int i = 1; i < argc; ++i) {
        char abi[16] = {};
        const char* colon = std::strchr(argv[i], ':');
        const Check* check = nullptr;
        if (colon && colon - argv[i] < 16) {
            std::memcpy(abi, argv[i], static_cast<size_t>(colon - argv[i]));
            for (const Check& c : k_checks)
                if (std::strcmp(c.name, colon + 1) == 0) check = &c;
        }
        const bool i386 = std::strcmp(abi, "i386") == 0, x32 = std::strcmp(abi, "x32") == 0;
        if (!check || !(i386 || x32 || std::strcmp(abi, "x86_64") == 0)) {
            std::fprintf(stderr, "unknown check %s\n", argv[i]);
            return 2;
        }
        long args[5];
        std::memcpy(args, check->args, sizeof args);
        if (std::strcmp(check->name, "open_tree") == 0) args[1] = pointer_arg(k_slash);
        if (std::strcmp(check->name, "fsopen") == 0) args[0] = pointer_arg(k_tmpfs);
        const long before = call64(135, {0xffffffff, 0, 0, 0, 0});  // the persona, restored below
        const long ret = i386 ? call32(check->nr32, args) : call64(x32 ? check->nr64 | 0x40000000 : check->nr64, args);
        if (ret == 0 && std::strncmp(check->name, "clone", 5) == 0) ::_exit(0);  // the child of a clone
        if (ret > 0 && std::strcmp(check->name, "clone-plain") == 0) ::waitpid(static_cast<pid_t>(ret), nullptr, 0);
        call64(135, {before, 0, 0, 0, 0});
        report(abi, check->name, ret);
    }
    return 0;
}
