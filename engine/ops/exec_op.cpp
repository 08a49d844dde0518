#include "engine/ops/exec_op.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "emu/emulator_fault.hpp"
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
              ProgressSink& progress, const ExecContext& context) {
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
    emu::QemuReportWatch qemu_reports;
    spec.on_output = [&](executor::OutputStream stream, std::string_view text) {
        if (stream == executor::OutputStream::err) qemu_reports.feed(text);
        progress.log(vertex, text);
    };

    if (context.cancelled) spec.cancelled = context.cancelled;
    static const RunMountConfig k_no_mount_config;
    PreparedMounts mounts(op, context.inputs, context.mounts ? *context.mounts : k_no_mount_config, context.cancelled);
    spec.mounts = mounts.mounts();
    executor::RunResult result = executor::run_in_sandbox(spec);
    if (result.cancelled) throw Error(ErrorKind::cancelled, "build cancelled");
    if (result.exit_code != 0) {
        std::string why = result.signal != 0 ? fmt::format("killed by signal {}", result.signal)
                                             : fmt::format("exit code: {}", result.exit_code);
        const std::string failed =
            fmt::format("process \"{}\" did not complete successfully: {}", shown_command(op.args), why);
        const std::optional<emu::EmulatorFault> fault = emu::find_emulator_fault(
            context.emulator, {result.exit_code, result.signal}, qemu_reports.report());
        if (fault && context.qemu_versions != nullptr)
            throw Error(ErrorKind::emulation,
                        failed + ": " + emu::describe_emulator_fault(*fault, context.qemu_versions->of(fault->qemu)))
                .with_hint(emu::emulator_fault_hint(op.platform));
        throw Error(ErrorKind::input, failed);
    }
}

} // namespace mab::engine::ops
