// RUN: a process on the stage's filesystem, with the stage's ENV and ARG values, its
// WORKDIR and USER, for the stage's platform. Heredoc forms: lower_run_heredoc.cpp.
#include <fmt/format.h>

#include <set>

#include "frontend-dockerfile/build_args.hpp"
#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/lower_state.hpp"

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

} // namespace

void lower_run(StageState& stage, const RunInstruction& run, const Command& instruction, LowerContext& context) {
    if (!run.mounts.empty())
        throw Error(ErrorKind::dockerfile, "RUN --mount is not supported yet");
    if (!run.security.empty() && run.security != "sandbox")
        throw Error(ErrorKind::dockerfile,
                    fmt::format("RUN --security={} is not allowed: mab grants no insecure entitlements", run.security));
    engine::graph::ExecOp op;
    if (run.network.empty() || run.network == "default" || run.network == "host") {
        op.network = engine::graph::NetworkMode::host;
    } else if (run.network == "none") {
        op.network = engine::graph::NetworkMode::none;
    } else {
        throw Error(ErrorKind::dockerfile,
                    fmt::format("RUN --network={}: expected default, none or host", run.network));
    }
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
        stage.result.rootfs.exec(std::move(op), engine::graph::VertexMeta{description, instruction.span});
    add_history(stage, "RUN " + run_history_text(stage.result, command.shown) + " # buildkit", &stage.result.rootfs);
}

} // namespace mab::dockerfile
