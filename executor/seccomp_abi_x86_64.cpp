// The x86_64 system call numbers for the RUN's seccomp filter.
#include "executor/seccomp_filter.hpp"

#include <linux/audit.h>

#include <asm/unistd_64.h>

#include "executor/seccomp_abi_table.inc"

mab::executor::SyscallAbi mab::executor::x86_64_syscall_abi() { return make_abi("x86_64", AUDIT_ARCH_X86_64); }
