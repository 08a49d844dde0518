// RUN --mount=...: the CSV value read and checked with BuildKit's keys, defaults and
// messages (instructions/commands_runmount.go), and turned into the graph's mount with
// BuildKit's defaults (dockerfile2llb/convert_runmount.go, llb's secret and ssh rules).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/graph/op.hpp"

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

// The graph's mount for `mount` (its target already absolute for bind, cache and
// tmpfs), without its input (lowering adds that for from=): a cache's id defaults to
// its target; a secret's id to its source, else the target's last element, and its
// target to /run/secrets/<id>; an ssh mount's id to "default" and its target to
// /run/buildkit/ssh_agent.<ssh_index>.
engine::graph::ExecMount to_exec_mount(const RunMount& mount, int ssh_index);

} // namespace mab::dockerfile
