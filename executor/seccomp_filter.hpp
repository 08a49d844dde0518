// The RUN's seccomp filter: Docker's default profile turned into a short deny list.
// Docker allows a list and denies the rest; mab denies, with EPERM, the calls that
// list leaves out and that matter inside a user namespace, where dropped capabilities
// do not stop them all: the kernel keyring, bpf, perf, userfaultfd, io_uring, kexec,
// modules, open_by_handle_at, swap, reboot, acct, quotas, the mount API and new
// namespaces (unshare, setns, clone with namespace flags), personality values other
// than Docker's, AF_VSOCK sockets. clone3 gets ENOSYS, as in Docker, so libc falls
// back to clone, whose flags the filter can see.
//
// The filter is classic BPF written here (no libseccomp). It checks the audit
// architecture first: on x86_64 it covers the 64-bit, x32 and i386 system call ABIs
// (a linux/386 RUN runs natively with i386 numbers). qemu-user makes the host's own
// calls, so emulated RUNs are filtered by the host ABI. Hosts without a table here get
// no filter (host_syscall_abis() is empty).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace mab::executor {

// One system call ABI: its audit architecture and its numbers for the calls the filter
// handles (-1: the ABI does not have that call).
struct SyscallAbi {
    const char* name = "";
    uint32_t audit_arch = 0;   // AUDIT_ARCH_*, as seen in seccomp_data.arch
    std::vector<int> denied;   // EPERM
    int clone = -1;            // EPERM when any namespace flag is set
    int clone3 = -1;           // ENOSYS
    int personality = -1;      // EPERM except for Docker's allowed values
    int socket = -1;           // EPERM for AF_VSOCK
};

// The ABIs the host kernel can run for a RUN and the filter knows (empty when none).
std::vector<SyscallAbi> host_syscall_abis();

// Per-ABI tables, from the kernel headers of each ABI (x86_64 hosts only).
SyscallAbi x86_64_syscall_abi();
SyscallAbi x32_syscall_abi();
SyscallAbi i386_syscall_abi();

// The filter program for `abis` (ABIs with the same audit_arch share one branch).
// Calls of any other architecture kill the process. Empty when `abis` is.
std::vector<sock_filter> build_seccomp_filter(const std::vector<SyscallAbi>& abis);

// The personality(2) values Docker's profile allows: PER_LINUX, PER_LINUX32,
// UNAME26, PER_LINUX32|UNAME26 and the query 0xffffffff.
inline constexpr uint32_t k_allowed_personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

} // namespace mab::executor
