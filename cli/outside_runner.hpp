// Runs programs outside mab's user namespace, for a build that is already inside it:
// `--load` hands the image to the user's docker or podman, which must see the user as
// who they are (podman's rootless storage, docker's socket permissions), not as uid 0 of
// mab's namespace. Forked before the namespace is entered, like the credential broker;
// it runs only what this process asks, as the same user.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "registry/subprocess.hpp"

namespace mab::cli {

class OutsideRunner {
public:
    // Forks the runner. Call while the process is single-threaded.
    OutsideRunner();
    ~OutsideRunner();  // closes the socket, so the runner exits, and reaps it
    OutsideRunner(const OutsideRunner&) = delete;
    OutsideRunner& operator=(const OutsideRunner&) = delete;

    // Runs argv (argv[0] looked up in $PATH) out there and returns what it did.
    registry::ProcessResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout);

private:
    UniqueFd m_socket;
    pid_t m_pid = -1;
};

} // namespace mab::cli
