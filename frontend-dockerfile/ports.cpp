#include "frontend-dockerfile/ports.hpp"

#include <fmt/format.h>

#include <cctype>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"

namespace mab::dockerfile {

namespace {

unsigned parse_port(const std::string& text, const std::string& spec) {
    bool ok = !text.empty() && text.size() <= 5;
    for (char c : text) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    unsigned value = ok ? static_cast<unsigned>(std::stoul(text)) : 0;
    if (!ok || value > 65535)
        throw Error(ErrorKind::dockerfile,
                    fmt::format("invalid port \"{}\" in EXPOSE {}: expected a number from 0 to 65535", text, spec));
    return value;
}

} // namespace

std::vector<std::string> expand_port_spec(const std::string& spec) {
    if (spec.find(':') != std::string::npos)
        throw Error(ErrorKind::dockerfile,
                    fmt::format("EXPOSE {}: only container ports can be exposed, not host ports or addresses", spec));
    std::string ports = spec;
    std::string proto = "tcp";
    if (size_t slash = spec.find('/'); slash != std::string::npos) {
        ports = spec.substr(0, slash);
        proto = to_lower(spec.substr(slash + 1));
        if (proto.empty()) proto = "tcp";
    }
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
        throw Error(ErrorKind::dockerfile,
                    fmt::format("invalid protocol \"{}\" in EXPOSE {}: expected tcp, udp or sctp", proto, spec));
    unsigned first = 0, last = 0;
    if (size_t dash = ports.find('-'); dash != std::string::npos) {
        first = parse_port(ports.substr(0, dash), spec);
        last = parse_port(ports.substr(dash + 1), spec);
        if (last < first)
            throw Error(ErrorKind::dockerfile,
                        fmt::format("invalid port range in EXPOSE {}: {} is below {}", spec, last, first));
    } else {
        first = last = parse_port(ports, spec);
    }
    std::vector<std::string> out;
    for (unsigned p = first; p <= last; ++p) out.push_back(fmt::format("{}/{}", p, proto));
    return out;
}

} // namespace mab::dockerfile
