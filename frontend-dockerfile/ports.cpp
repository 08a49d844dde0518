#include "frontend-dockerfile/ports.hpp"

#include <fmt/format.h>

#include <cctype>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"

namespace mab::dockerfile {

namespace {

// BuildKit's messages ("invalid containerPort: 80-", "invalid proto: icmp") with what
// mab expected after them.
[[noreturn]] void bad_port(const std::string& ports, const std::string& why) {
    throw Error(ErrorKind::dockerfile, fmt::format("invalid containerPort: {} ({})", ports, why));
}

unsigned parse_port(const std::string& text, const std::string& ports) {
    bool ok = !text.empty() && text.size() <= 5;
    for (char c : text) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    unsigned value = ok ? static_cast<unsigned>(std::stoul(text)) : 0;
    if (!ok || value > 65535) bad_port(ports, "expected a port number from 0 to 65535 or a range of them");
    return value;
}

} // namespace

std::vector<std::string> expand_port_spec(const std::string& spec) {
    // "[ip:]hostPort:containerPort[/proto]": only the container port is exposed (as
    // BuildKit, which warns); a host port must still be a port or a range.
    std::string container = spec;
    if (size_t colon = spec.rfind(':'); colon != std::string::npos) {
        container = spec.substr(colon + 1);
        std::string host = spec.substr(0, colon);
        host = host.substr(host.rfind(':') == std::string::npos ? 0 : host.rfind(':') + 1);
        if (!host.empty()) {
            try {
                expand_port_spec(host);
            } catch (const Error&) {
                throw Error(ErrorKind::dockerfile, fmt::format("invalid hostPort: {}", host));
            }
        }
    }
    std::string ports = container;
    std::string proto = "tcp";
    if (size_t slash = container.find('/'); slash != std::string::npos) {
        ports = container.substr(0, slash);
        proto = to_lower(container.substr(slash + 1));
        if (proto.empty()) proto = "tcp";
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
        throw Error(ErrorKind::dockerfile, fmt::format("invalid proto: {} (expected tcp, udp or sctp)", proto));
    unsigned first = 0, last = 0;
    if (size_t dash = ports.find('-'); dash != std::string::npos) {
        first = parse_port(ports.substr(0, dash), ports);
        last = parse_port(ports.substr(dash + 1), ports);
        if (last < first) bad_port(ports, fmt::format("the range ends at {}, below its start", last));
    } else {
        first = last = parse_port(ports, ports);
    }
    std::vector<std::string> out;
    for (unsigned p = first; p <= last; ++p) out.push_back(fmt::format("{}/{}", p, proto));
    return out;
}

} // namespace mab::dockerfile
