// Running a helper program (docker-credential-*) with pipes, by fork/exec: no shell,
// no std::system. Also used by the registry tests to run their test bed and skopeo.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"

namespace mab::registry {

class Subprocess {
public:
    // Starts argv[0] (a path, or a name looked up in `search_path`, default $PATH) with
    // stdin, stdout and stderr on pipes. Throws Error(not_found) if the program is not
    // there, Error(io) if it cannot be started. `env_overrides` ("KEY=value") are set in
    // the child's environment on top of ours.
    Subprocess(const std::vector<std::string>& argv, const std::string& search_path = {},
               const std::vector<std::string>& env_overrides = {});
    Subprocess(Subprocess&& other) noexcept;
    Subprocess& operator=(Subprocess&&) = delete;
    Subprocess(const Subprocess&) = delete;
    ~Subprocess();   // kills (SIGKILL) and reaps a child still running

    int stdin_fd() const { return m_stdin.get(); }
    int stdout_fd() const { return m_stdout.get(); }
    int stderr_fd() const { return m_stderr.get(); }
    void close_stdin() { m_stdin.reset(); }
    pid_t pid() const { return m_pid; }

    // Waits for the exit; returns the exit status, or 128 + signal number.
    int wait();
    // The same, but gives up after `timeout` and returns nullopt (the child runs on).
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    void kill(int signal);

private:
    pid_t m_pid = -1;
    UniqueFd m_stdin;
    UniqueFd m_stdout;
    UniqueFd m_stderr;
};

struct ProcessResult {
    int exit_code = 0;
    std::string out;
    std::string err;
};

// Runs argv with `input` on stdin and collects stdout/stderr (each at most 1 MiB).
// A child still running after `timeout` is killed and Error(io) is thrown naming argv[0].
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::seconds timeout, const std::string& search_path = {},
                          const std::vector<std::string>& env_overrides = {});

// The full path of `name` in `search_path` (colon-separated; default $PATH), or empty.
std::string find_program(const std::string& name, const std::string& search_path = {});

} // namespace mab::registry
