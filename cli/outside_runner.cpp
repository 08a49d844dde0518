#include "cli/outside_runner.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/seqpacket.hpp"

namespace mab::cli {

namespace {

constexpr const char* k_channel = "outside runner";

// Request: timeout seconds, then argv. Answer: exit code, stdout, stderr.
[[noreturn]] void serve(int fd) {
    try {
        while (std::optional<std::string> request = receive_message(fd, k_channel)) {
            std::vector<std::string> fields = unpack_fields(*request);
            registry::ProcessResult result{127, "", "outside runner: bad request"};
            if (fields.size() >= 2) {
                std::vector<std::string> argv(fields.begin() + 1, fields.end());
                try {
                    result = registry::run_process(argv, "", std::chrono::seconds(std::stoll(fields[0])));
                } catch (const std::exception& e) {
                    result = {127, "", e.what()};
                }
            }
            send_message(fd, pack_fields({std::to_string(result.exit_code), result.out, result.err}), k_channel);
        }
    } catch (...) {
        ::_exit(1);
    }
    ::_exit(0);  // no destructors or atexit handlers of the process we were forked from
}

} // namespace

OutsideRunner::OutsideRunner() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair", k_channel);
    UniqueFd ours(sv[0]);
    UniqueFd theirs(sv[1]);
    m_pid = ::fork();
    if (m_pid < 0) throw_errno("fork", k_channel);
    if (m_pid == 0) {
        ours.reset();
        serve(theirs.get());
    }
    m_socket = std::move(ours);
}

OutsideRunner::~OutsideRunner() {
    m_socket.reset();
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
}

registry::ProcessResult OutsideRunner::run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
    std::vector<std::string> fields{std::to_string(timeout.count())};
    fields.insert(fields.end(), argv.begin(), argv.end());
    send_message(m_socket.get(), pack_fields(fields), k_channel);
    std::optional<std::string> reply = receive_message(m_socket.get(), k_channel);
    std::vector<std::string> answer = reply ? unpack_fields(*reply) : std::vector<std::string>{};
    if (answer.size() != 3)
        throw Error(ErrorKind::internal, fmt::format("running {} outside mab's namespace: the runner process ended",
                                                     argv.empty() ? "" : argv.front()));
    return {std::stoi(answer[0]), answer[1], answer[2]};
}

} // namespace mab::cli
