// The RUN's PID 1. The kernel lets the init of a PID namespace ignore every signal it
// has no handler for, even one it sends itself: a shell as PID 1 survives
// `kill -SEGV $$`, and qemu-user as PID 1 hangs for ever when a guest dies of a signal
// (qemu re-raises the signal at itself and waits for it to arrive). So the sandbox's
// first process stays behind as a minimal init, as `docker run --init` does, and the
// command runs as PID 2 with ordinary signal semantics.
#pragma once

#include <sys/types.h>

#include <optional>

namespace mab::executor {

// A range of mab's own memory the init must not show to the RUN.
struct MemoryRange {
    char* begin = nullptr;
    char* end = nullptr;
};

// Where mab's argv and environment strings are (from /proc/self/stat). The init is a
// copy of mab: /proc/1/cmdline inside the RUN would show mab's command line. Empty
// ranges when /proc cannot tell.
struct OwnStrings {
    MemoryRange args;
    MemoryRange env;
};
OwnStrings own_strings();

// Called by the sandbox child as the last step before exec. Forks: returns in the new
// process, which goes on to exec the command. The calling process becomes the init and
// never returns: it closes every descriptor but `result_fd` (`status_fd`, so only the
// command's exec closes that pipe, its stdio, and whatever mab's other threads had open
// at clone() time), wipes `hide` and makes itself non-dumpable (the RUN may not read mab's
// memory), reaps every process of the namespace, and when the command ends writes the
// command's wait status (an int) to `result_fd` and exits. Allocates nothing: it runs
// right after clone() in a copy of a multi-threaded process, and forks with a raw clone
// system call (no atfork handlers, no malloc or stdio locks). A failed fork writes to
// `status_fd` and exits 127, like any failed setup step.
void fork_command_below_init(int status_fd, int result_fd, const OwnStrings& hide);

// The command's wait status as the init reported it on the read end of `result_fd`;
// nullopt when the init wrote none (setup failed before the command started, or the
// init was killed). Call after the init has exited.
std::optional<int> read_command_status(int result_read_fd);

} // namespace mab::executor
