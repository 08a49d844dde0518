#include "base/termination.hpp"

#include <signal.h>

#include <csignal>

namespace mab {

namespace {

volatile std::sig_atomic_t g_requested = 0;

void on_signal(int sig) {
    if (g_requested) {
        // The second time: give up on a clean stop.
        std::signal(sig, SIG_DFL);
        ::raise(sig);
        return;
    }
    g_requested = sig;
}

} // namespace

void install_termination_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

bool termination_requested() { return g_requested != 0; }

} // namespace mab
