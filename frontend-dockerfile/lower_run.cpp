// RUN: a process on the stage's filesystem, with the stage's ENV and ARG values, its
// WORKDIR and USER, for the stage's platform. Heredoc forms: lower_run_heredoc.cpp.
#include <fmt/format.h>

#include <set>

#include "frontend-dockerfile/build_args.hpp"
#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/image_paths.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/run_mount.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

// BuildKit's runCommandString: "|2 A=1 B= /bin/sh -c …" when ARGs are declared, each
// once, with its value now (an ENV of the same name wins), "" when it has none.
std::string run_history_text(const StageResult& result, const std::vector<std::string>& shown) {
    std::vector<std::string> words;
    std::set<std::string> seen;
    for (const std::string& name : result.arg_names)
        if (seen.insert(name).second) words.push_back(name + "=" + result.variables.get(name).value_or(""));
    if (!words.empty()) words.insert(words.begin(), fmt::format("|{}", words.size()));
    words.insert(words.end(), shown.begin(), shown.end());
    std::string text;
    for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
    return text;
}

// The state from=<value> names: a stage, a named context or an image, found as COPY
// --from finds them; the errors say which flag they are about.
engine::graph::State mount_source_stage(const std::string& from, const StageState& stage, LowerContext& context) {
    try {
        return context.copy_source_stage(from, stage.stage).rootfs;
    } catch (const Error& e) {
        const std::string copy_flag = "COPY --from=";
        std::string message = e.what();
        if (message.rfind(copy_flag, 0) != 0) throw;
        message = "RUN --mount=from=" + message.substr(copy_flag.size());
        Error renamed(e.kind(), message);
        if (e.span()) renamed.with_span_if_unset(*e.span());
        throw renamed.with_hint(e.hint());
    }
}

// What a RUN's --mount flags lower to: the graph's mounts, and the states their
// from= (or, for a bind, the build context) name, which become the ExecOp's inputs
// 1..N so the solver builds them first.
struct LoweredMounts {
    std::vector<engine::graph::ExecMount> mounts;
    std::vector<engine::graph::State> sources;
};

// Every --mount is read and checked as BuildKit does (values expanded with the stage's
// variables); relative bind, cache and tmpfs targets are under WORKDIR.
LoweredMounts lower_mounts(const StageState& stage, const RunInstruction& run, LowerContext& context) {
    LoweredMounts out;
    int ssh_index = 0;
    // The input index of `state`, adding it on first use.
    auto input_of = [&out](const engine::graph::State& state) {
        for (size_t i = 0; i < out.sources.size(); ++i)
            if (out.sources[i].vertex()->digest() == state.vertex()->digest()) return static_cast<int>(i) + 1;
        out.sources.push_back(state);
        return static_cast<int>(out.sources.size());
    };
    for (const std::string& value : run.mounts) {
        RunMount mount = parse_run_mount(value, [&](const std::string& word) {
            return expand_word(word, stage.lookup(), context.dockerfile().escape);
        });
        if (mount.type != "secret" && mount.type != "ssh") {
            std::string target = resolve_in_workdir(stage.result.config.config.working_dir, mount.target);
            if (target == "/") throw Error(ErrorKind::dockerfile, fmt::format("invalid mount target \"{}\"", "/"));
            mount.target = target;
        }
        engine::graph::ExecMount lowered = to_exec_mount(mount, mount.type == "ssh" ? ssh_index++ : 0);
        if (mount.type == "bind" || (mount.type == "cache" && !mount.from.empty())) {
            if (mount.from.empty()) lowered.input = input_of(context.build_context());
            else lowered.input = input_of(mount_source_stage(mount.from, stage, context));
            // Paths in the source are absolute from its root, as BuildKit cleans them.
            lowered.source = clean_path("/" + mount.source);
        }
        out.mounts.push_back(std::move(lowered));
    }
    return out;
}

} // namespace

void lower_run(StageState& stage, const RunInstruction& run, const Command& instruction, LowerContext& context) {
    LoweredMounts mounts = lower_mounts(stage, run, context);
    if (run.security == "insecure") {
        // BuildKit's solver refuses it without the entitlement; with it, mab still has
        // no privileged sandbox to give, so it says so rather than run confined.
        if (!context.request().allow_insecure)
            throw Error(ErrorKind::dockerfile, "security.insecure is not allowed")
                .with_hint("RUN --security=insecure needs `--allow security.insecure`");
        throw Error(ErrorKind::dockerfile,
                    "RUN --security=insecure is not supported: mab has no insecure (privileged) sandbox");
    }
    engine::graph::ExecOp op;
    // mab's default network is the host's (as BuildKit's worker default).
    op.network = run.network == "none" ? engine::graph::NetworkMode::none : engine::graph::NetworkMode::host;
    op.mounts = std::move(mounts.mounts);
    const oci::ImageConfig& config = stage.result.config;
    RunCommand command;
    if (run.heredocs.empty()) {
        command.args = command_args(run.command, config.config);
        command.shown = command.args;
    } else {
        command = heredoc_run(run, config.config);
    }
    op.args = command.args;
    // ARG values reach the process as environment variables but never the image config;
    // so do proxy settings given only as --build-arg.
    const Variables& variables = stage.result.variables;
    for (const auto& [name, value] : variables.items()) op.env.push_back(name + "=" + value);
    for (const auto& [name, value] : proxy_env(context.request().build_args))
        if (!variables.get(name)) op.env.push_back(name + "=" + value);
    op.cwd = config.config.working_dir.empty() ? "/" : config.config.working_dir;
    op.user = config.config.user;
    op.platform = config.platform;
    // As llb does: the first ssh mount is the agent unless the stage sets SSH_AUTH_SOCK.
    for (const engine::graph::ExecMount& mount : op.mounts) {
        if (mount.type != engine::graph::MountType::ssh) continue;
        if (!variables.get("SSH_AUTH_SOCK")) op.env.push_back("SSH_AUTH_SOCK=" + mount.target);
        break;
    }

    std::string description =
        step_description(stage, instruction, context.dockerfile().escape, StepText::quotes_kept) + command.summary;
    stage.result.rootfs =
        stage.result.rootfs.exec(std::move(op), step_meta(stage, description, instruction.span), mounts.sources);
    add_history(stage, "RUN " + run_history_text(stage.result, command.shown) + " # buildkit", &stage.result.rootfs);
}

} // namespace mab::dockerfile
