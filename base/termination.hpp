// Ctrl-C and SIGTERM: the handler only records the request; the build notices it at
// its next check (a running RUN within ~100 ms), stops, and unwinds through the
// destructors that remove its mounts, processes and work dirs. A second signal ends
// the process at once.
#pragma once

namespace mab {

void install_termination_handlers();
bool termination_requested();

} // namespace mab
