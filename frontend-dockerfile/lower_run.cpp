// RUN: a process on the stage's filesystem, with the stage's ENV and ARG values, its
// WORKDIR and USER, for the stage's platform. Heredoc forms: lower_run_heredoc.cpp.
#include <fmt/format.h>

#include <set>

#include "frontend-dockerfile/build_args.hpp"
#include "frontend-dockerfile/command_line.hpp"
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

// Every --mount is read and checked as BuildKit does (values expanded with the stage's
// variables), then carried in the graph as canonical text: the engine refuses a RUN
// with mounts when it would run (it has none yet; running without one would silently
// build something else).
std::vector<std::string> lower_mounts(const StageState& stage, const RunInstruction& run, LowerContext& context) {
    std::vector<RunMount> mounts;
    for (const std::string& value : run.mounts) {
        RunMount mount = parse_run_mount(value, [&](const std::string& word) {
            return expand_word(word, stage.lookup(), context.dockerfile().escape);
        });
        if (mount.type != "secret" && mount.type != "ssh") {
            std::string cwd = stage.result.config.config.working_dir;
            std::string target = !mount.target.empty() && mount.target[0] == '/'
                                     ? mount.target
                                     : (cwd.empty() ? "/" : cwd) + "/" + mount.target;
            if (target.find_first_not_of('/') == std::string::npos)
                throw Error(ErrorKind::dockerfile, fmt::format("invalid mount target \"{}\"", "/"));
            mount.target = target;  // relative targets are under WORKDIR, as BuildKit resolves them
        }
        mounts.push_back(std::move(mount));
    }
    std::vector<std::string> out;
    for (const RunMount& mount : mounts) out.push_back(canonical_run_mount(mount));
    return out;
}

} // namespace

void lower_run(StageState& stage, const RunInstruction& run, const Command& instruction, LowerContext& context) {
    std::vector<std::string> mounts = lower_mounts(stage, run, context);
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
    op.mounts = std::move(mounts);
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

    std::string description =
        step_description(stage, instruction, context.dockerfile().escape, StepText::quotes_kept) + command.summary;
    stage.result.rootfs =
        stage.result.rootfs.exec(std::move(op), step_meta(stage, description, instruction.span));
    add_history(stage, "RUN " + run_history_text(stage.result, command.shown) + " # buildkit", &stage.result.rootfs);
}

} // namespace mab::dockerfile
