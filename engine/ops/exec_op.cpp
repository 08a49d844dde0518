#include "engine/ops/exec_op.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/ops/user_lookup.hpp"
#include "executor/sandbox.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

namespace {

std::string shown_command(const std::vector<std::string>& args) {
    std::string out;
    for (const std::string& a : args) out += (out.empty() ? "" : " ") + a;
    return out;
}

} // namespace

void run_exec(const graph::ExecOp& op, const std::filesystem::path& rootfs, const VertexInfo& vertex,
              ProgressSink& progress, const std::function<bool()>& cancelled) {
    snapshotter::RootFs root(rootfs);
    const RunUser user = resolve_run_user(op.user, root);

    executor::SandboxSpec spec;
    spec.rootfs = rootfs;
    spec.argv = op.args;
    spec.env = op.env;
    spec.cwd = op.cwd;
    spec.uid = user.uid;
    spec.gid = user.gid;
    spec.supplementary_gids.assign(user.groups.begin(), user.groups.end());
    // A 32-bit platform the host runs natively (386 on amd64, arm on arm64).
    const oci::Platform host = oci::Platform::host();
    spec.linux32 = (op.platform.architecture == "386" && host.architecture == "amd64") ||
                   (op.platform.architecture == "arm" && host.architecture == "arm64");
    spec.network = op.network == graph::NetworkMode::none ? executor::Network::none : executor::Network::host;
    spec.on_output = [&](executor::OutputStream, std::string_view text) { progress.log(vertex, text); };

    if (cancelled) spec.cancelled = cancelled;
    executor::RunResult result = executor::run_in_sandbox(spec);
    if (result.cancelled) throw Error(ErrorKind::cancelled, "build cancelled");
    if (result.exit_code != 0) {
        std::string why = result.signal != 0 ? fmt::format("killed by signal {}", result.signal)
                                             : fmt::format("exit code: {}", result.exit_code);
        throw Error(ErrorKind::input, fmt::format("process \"{}\" did not complete successfully: {}",
                                                  shown_command(op.args), why));
    }
}

} // namespace mab::engine::ops
