// The mounts the sandbox child makes under the new root before pivot_root. Each call
// takes an O_PATH fd of the rootfs and fails the child (child_fail) on any error.
#pragma once

#include "executor/sandbox_child.hpp"

namespace mab::executor {

// A fresh procfs on /proc with runc's default masks (kcore, keys, timer_list, … read
// as empty) and read-only paths (/proc/sys, /proc/sysrq-trigger, …); paths this kernel
// does not have are skipped.
void setup_proc(const ChildContext& c, int root);

// /sys, read-only: a fresh sysfs when the RUN has its own network namespace and the
// kernel allows it, else a read-only recursive bind of the host's /sys (as rootless
// podman does); /sys/firmware and /sys/devices/virtual/powercap masked.
void setup_sys(const ChildContext& c, int root);

// A fresh tmpfs /dev with null, zero, full, random, urandom, tty (bound from the host),
// devpts, ptmx, shm and the fd links.
void setup_dev(const ChildContext& c, int root);

// The generated /etc/hosts, /etc/resolv.conf and /etc/hostname, bound over the image's.
void setup_etc(const ChildContext& c, int root);

// The RUN --mount mounts (c.mounts), in order; each target is resolved inside the root
// (symlinks followed there, never out of it) and must be a directory, or a regular
// file for a file or socket.
void setup_run_mounts(const ChildContext& c, int root);

// Attaches a copy of the mount tree at `from` (relative to `from_dir`; "" for
// `from_dir` itself) onto `to`, with `attr_set` (MOUNT_ATTR_*) on every mount of the
// copy. The new mount API never resolves a path again after the checks.
void attach_tree(const ChildContext& c, int from_dir, const char* from, int to, unsigned long long attr_set,
                 const char* shown);

} // namespace mab::executor
