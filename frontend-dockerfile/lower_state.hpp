// Internal to lowering: the state of one stage while its instructions are lowered, and
// what instruction lowerers need from the whole build. Not part of the front door.
#pragma once

#include <string>
#include <vector>

#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "frontend-dockerfile/variables.hpp"

namespace mab::dockerfile {

// A stage after lowering (what FROM <stage> and COPY --from use).
struct StageResult {
    engine::graph::State rootfs = engine::graph::State::scratch();
    oci::ImageConfig config;
    std::vector<HistoryStep> history;
    Variables variables;  // ENV and ARG values at the end of the stage
    // rootfs is a --build-context directory read as it is: COPY --from gives its files
    // root's ownership, as copies from the build context get.
    bool local_directory = false;
    // The ARGs declared in this stage and the stages it is based on, base first (RUN's
    // history shows them with their values, as BuildKit does).
    std::vector<std::string> arg_names;
};

// The stage being lowered.
struct StageState {
    const Stage& stage;
    StageResult result;
    bool cmd_set = false;      // CMD set in this stage (ENTRYPOINT then keeps it)
    int steps_total = 0;       // vertices BuildKit numbers in this stage: "[2/3]"
    int steps_done = 0;
    bool show_stage_name = false;
    bool show_platform = false;  // "[linux/arm64 build 2/3]" in multi-platform builds

    VariableLookup lookup() const { return result.variables.lookup(); }
};

// What instruction lowerers need from the whole lowering.
class LowerContext {
public:
    virtual ~LowerContext() = default;
    virtual const LowerRequest& request() const = 0;
    virtual const ParsedDockerfile& dockerfile() const = 0;
    // The lowered stage COPY --from=<value> names (lowering it first if needed), or the
    // named local context that replaces it or that <value> names.
    virtual const StageResult& copy_source_stage(const std::string& value, const Stage& current) = 0;
    // The build context (one shared local source).
    virtual engine::graph::State build_context() = 0;
    // Records an ARG declaration, so --build-arg values that no ARG uses are reported.
    virtual void note_declared_arg(const std::string& name) = 0;
    // A warning for the build's output ("Dockerfile:3: ExposeInvalidFormat: …").
    virtual void warn(std::string message) = 0;
    // Global ARG values (platform args, then ARGs before the first FROM).
    virtual const Variables& global_args() const = 0;
};

// The config FROM scratch starts with (BuildKit's emptyImage): PATH and WorkingDir "/".
oci::ImageConfig empty_image(const oci::Platform& platform);

// Progress name of the next numbered step, BuildKit style: "[build 2/3] COPY a /b/"
// (original text with variables expanded, keyword upper-cased). A RUN keeps its quotes
// and the variables its stage does not set, as BuildKit names it.
enum class StepText {
    expanded,     // COPY, ADD, WORKDIR: variables expanded, quotes removed
    quotes_kept,  // RUN: set variables expanded, quotes and unset variables as written
};
std::string step_description(StageState& stage, const Command& command, char escape,
                             StepText text = StepText::expanded);

// The metadata of a vertex a stage's instruction makes: its step name, lines and stage.
engine::graph::VertexMeta step_meta(const StageState& stage, std::string description,
                                    const std::optional<SourceSpan>& span);

// Adds a history entry; layer_vertex is set for steps that made a FileOp.
void add_history(StageState& stage, std::string created_by,
                 const engine::graph::State* layer = nullptr);

// The mtime lowering gives to directories a FileOp creates: SOURCE_DATE_EPOCH or 0.
int64_t created_dir_mtime(const LowerRequest& request);

// Instruction lowerers (one file per family).
void lower_copy(StageState& stage, const CopyInstruction& copy, const Command& command,
                LowerContext& context);
void lower_workdir(StageState& stage, const WorkdirInstruction& workdir, const Command& command,
                   LowerContext& context);
void lower_arg(StageState& stage, const ArgInstruction& arg, LowerContext& context);
// ENV, LABEL, USER, CMD, ENTRYPOINT, EXPOSE, VOLUME, STOPSIGNAL, SHELL, MAINTAINER, ONBUILD,
// HEALTHCHECK.
void lower_config(StageState& stage, const Command& command, LowerContext& context);

// The argv of an exec-form or shell-form CMD/ENTRYPOINT/RUN (shell form: the SHELL).
std::vector<std::string> command_args(const CommandForm& form, const oci::ContainerConfig& config);

// The shell that runs shell-form commands: the config's SHELL, else /bin/sh -c.
std::vector<std::string> shell_args(const oci::ContainerConfig& config);

// What a RUN runs, and how its history and step name show it.
struct RunCommand {
    std::vector<std::string> args;   // the process's argv
    std::vector<std::string> shown;  // the command as the image history records it
    std::string summary;             // " (first line...)" after the step name, or empty
};
// The command of a RUN whose line opens heredocs (lower_run_heredoc.cpp).
RunCommand heredoc_run(const RunInstruction& run, const oci::ContainerConfig& config);

void lower_run(StageState& stage, const RunInstruction& run, const Command& command, LowerContext& context);

// A user spec "user[:group]" as file ownership.
engine::graph::ChownSpec parse_chown(const std::string& spec, const std::string& what);

} // namespace mab::dockerfile
