#include "executor/seccomp_filter.hpp"

#include <catch2/catch.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "base/error.hpp"

using namespace mab;
using namespace mab::executor;

namespace {

// Runs a classic BPF seccomp program over `data` (the subset of BPF the builder emits).
uint32_t evaluate(const std::vector<sock_filter>& program, const seccomp_data& data) {
    uint32_t a = 0;
    for (size_t pc = 0; pc < program.size(); ++pc) {
        const sock_filter& in = program[pc];
        switch (in.code) {
        case BPF_LD | BPF_W | BPF_ABS: std::memcpy(&a, reinterpret_cast<const char*>(&data) + in.k, 4); break;
        case BPF_RET | BPF_K: return in.k;
        case BPF_JMP | BPF_JA: pc += in.k; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (a & in.k) != 0 ? in.jt : in.jf; break;
        default: FAIL("unexpected instruction " << in.code);
        }
    }
    FAIL("ran off the end of the program");
    return 0;
}

uint32_t verdict(const std::vector<sock_filter>& program, uint32_t arch, int nr, uint64_t arg0 = 0) {
    seccomp_data data{};
    data.arch = arch;
    data.nr = nr;
    data.args[0] = arg0;
    return evaluate(program, data);
}

constexpr uint32_t k_eperm = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t k_enosys = SECCOMP_RET_ERRNO | ENOSYS;

SyscallAbi toy_abi(uint32_t arch, int base) {
    SyscallAbi abi;
    abi.name = "toy";
    abi.audit_arch = arch;
    abi.denied = {base + 1, base + 2};
    abi.clone = base + 10;
    abi.clone3 = base + 11;
    abi.personality = base + 12;
    abi.socket = base + 13;
    return abi;
}

} // namespace

TEST_CASE("the filter program denies, checks arguments and refuses unknown architectures") {
    const std::vector<sock_filter> program =
        build_seccomp_filter({toy_abi(AUDIT_ARCH_X86_64, 0), toy_abi(AUDIT_ARCH_X86_64, 1000), toy_abi(AUDIT_ARCH_I386, 500)});
    for (auto [arch, base] : {std::pair{AUDIT_ARCH_X86_64, 0}, {AUDIT_ARCH_X86_64, 1000}, {AUDIT_ARCH_I386, 500}}) {
        INFO(arch << " " << base);
        CHECK(verdict(program, arch, base + 1) == k_eperm);
        CHECK(verdict(program, arch, base + 2) == k_eperm);
        CHECK(verdict(program, arch, base + 3) == SECCOMP_RET_ALLOW);
        CHECK(verdict(program, arch, base + 10, 0x11) == SECCOMP_RET_ALLOW);  // clone(SIGCHLD)
        CHECK(verdict(program, arch, base + 10, 0x10000011) == k_eperm);      // CLONE_NEWUSER
        CHECK(verdict(program, arch, base + 10, 0x20000) == k_eperm);         // CLONE_NEWNS
        CHECK(verdict(program, arch, base + 11) == k_enosys);
        for (uint32_t persona : k_allowed_personalities) CHECK(verdict(program, arch, base + 12, persona) == SECCOMP_RET_ALLOW);
        CHECK(verdict(program, arch, base + 12, 0x0040000) == k_eperm);  // ADDR_NO_RANDOMIZE
        CHECK(verdict(program, arch, base + 13, 1) == SECCOMP_RET_ALLOW);  // AF_UNIX
        CHECK(verdict(program, arch, base + 13, 40) == k_eperm);           // AF_VSOCK
    }
    // Numbers of one architecture mean nothing to another.
    CHECK(verdict(program, AUDIT_ARCH_I386, 1) == SECCOMP_RET_ALLOW);
    CHECK(verdict(program, AUDIT_ARCH_AARCH64, 1) == SECCOMP_RET_KILL_PROCESS);
    CHECK(build_seccomp_filter({}).empty());
}

TEST_CASE("a filter whose jumps would not fit is refused, not built wrong") {
    SyscallAbi abi = toy_abi(AUDIT_ARCH_X86_64, 0);
    for (int nr = 100; nr < 400; ++nr) abi.denied.push_back(nr);
    CHECK_THROWS_AS(build_seccomp_filter({abi}), Error);
}

#if defined(__x86_64__)
TEST_CASE("the x86 number tables come from each ABI's own kernel header") {
    const SyscallAbi x64 = x86_64_syscall_abi(), x32 = x32_syscall_abi(), i386 = i386_syscall_abi();
    CHECK(x64.audit_arch == AUDIT_ARCH_X86_64);
    CHECK(x32.audit_arch == AUDIT_ARCH_X86_64);
    CHECK(i386.audit_arch == AUDIT_ARCH_I386);
    auto denies = [](const SyscallAbi& abi, int nr) {
        return std::find(abi.denied.begin(), abi.denied.end(), nr) != abi.denied.end();
    };
    // keyctl, unshare, kexec_load (x32 has its own number), umount (i386 only).
    CHECK(denies(x64, 250));
    CHECK(denies(x32, 0x40000000 + 250));
    CHECK(denies(i386, 288));
    CHECK(denies(x64, 272));
    CHECK(denies(i386, 310));
    CHECK(denies(x64, 246));
    CHECK(denies(x32, 0x40000000 + 528));
    CHECK(denies(i386, 283));
    CHECK(denies(i386, 22));
    CHECK_FALSE(denies(x64, 22));  // 22 is pipe on x86_64
    CHECK(x64.clone == 56);
    CHECK(i386.clone == 120);
    CHECK(x32.clone3 == 0x40000000 + 435);
    CHECK(i386.personality == 136);
    CHECK(i386.socket == 359);
    CHECK(host_syscall_abis().size() == 3);
    CHECK(build_seccomp_filter(host_syscall_abis()).size() < 255);
}
#endif
