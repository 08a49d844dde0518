// EXPOSE port specs: "80", "80/tcp", "53/udp", "8000-8010/tcp" (a range expands into
// its ports, as Docker's nat.ParsePortSpecs does).
#pragma once

#include <string>
#include <vector>

namespace mab::dockerfile {

// The "port/proto" entries `spec` stands for, e.g. "8000-8001/udp" ->
// {"8000/udp", "8001/udp"}; "8080:80" and "127.0.0.1:8080:80" give the container port
// (BuildKit accepts them with a warning). Bad numbers, protocols or ranges throw
// Error(dockerfile) with BuildKit's "invalid containerPort: …" or "invalid proto: …".
std::vector<std::string> expand_port_spec(const std::string& spec);

} // namespace mab::dockerfile
