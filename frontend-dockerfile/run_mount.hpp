// RUN --mount=...: the CSV value read and checked with BuildKit's keys, defaults and
// messages (instructions/commands_runmount.go). The engine gives mounts no behaviour
// yet: lowering validates every mount, then refuses the RUN naming the mount type.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mab::dockerfile {

struct RunMount {
    std::string type = "bind";  // bind, cache, tmpfs, secret, ssh
    std::string from, source, target, id, sharing;
    bool readonly = false;      // after BuildKit's defaults: bind/secret/ssh read-only
    bool required = false;      // secret, ssh
    std::optional<uint64_t> mode, uid, gid;  // cache, secret, ssh
    std::optional<int64_t> size;             // tmpfs, bytes
};

// The checks BuildKit makes while parsing (values unexpanded): the CSV syntax, and no
// variables in from=. Throws Error(dockerfile).
void check_run_mount_syntax(const std::string& value);

// The whole mount, its values expanded by `expand` (the stage's variables). Throws
// Error(dockerfile) with BuildKit's messages ("unsupported mount type \"x\"", "unexpected
// key 'size' for mount type 'cache'", …).
RunMount parse_run_mount(const std::string& value, const std::function<std::string(const std::string&)>& expand);

// The mount as one canonical "type=…,target=…,…" (fixed key order, defaults written
// out), for the graph: equal mounts give equal text.
std::string canonical_run_mount(const RunMount& mount);

} // namespace mab::dockerfile
