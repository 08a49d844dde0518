// The i386 system call numbers for the RUN's seccomp filter.
#include "executor/seccomp_filter.hpp"

#include <linux/audit.h>

#include <asm/unistd_32.h>

#include "executor/seccomp_abi_table.inc"

mab::executor::SyscallAbi mab::executor::i386_syscall_abi() { return make_abi("i386", AUDIT_ARCH_I386); }
