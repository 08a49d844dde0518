// The x32 system call numbers for the RUN's seccomp filter.
#include "executor/seccomp_filter.hpp"

#include <linux/audit.h>

// unistd_x32.h adds this bit to every number; <asm/unistd.h> defines it, but would
// also pull in the 64-bit numbers.
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#include <asm/unistd_x32.h>

#include "executor/seccomp_abi_table.inc"

mab::executor::SyscallAbi mab::executor::x32_syscall_abi() { return make_abi("x32", AUDIT_ARCH_X86_64); }
