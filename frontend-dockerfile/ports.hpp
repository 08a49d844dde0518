// EXPOSE port specs: "80", "80/tcp", "53/udp", "8000-8010/tcp" (a range expands into
// its ports, as Docker's nat.ParsePortSpecs does).
#pragma once

#include <string>
#include <vector>

namespace mab::dockerfile {

// The "port/proto" entries `spec` stands for, e.g. "8000-8001/udp" ->
// {"8000/udp", "8001/udp"}. Bad numbers, protocols or ranges throw Error(dockerfile).
std::vector<std::string> expand_port_spec(const std::string& spec);

} // namespace mab::dockerfile
