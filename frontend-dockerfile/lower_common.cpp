// Helpers shared by the instruction lowerers: step names, history entries, ownership.
#include <fmt/format.h>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

int decimal_digits(int n) {
    int digits = 1;
    while (n >= 10) {
        n /= 10;
        ++digits;
    }
    return digits;
}

// BuildKit's platformFromEnv: the platform the stage's TARGET* variables name, if any.
std::optional<oci::Platform> target_from_variables(const Variables& variables) {
    oci::Platform p;
    bool set = false;
    for (const auto& [name, value] : variables.items()) {
        if (name == "TARGETPLATFORM") {
            try {
                return oci::Platform::parse(value);
            } catch (const Error&) {
                continue;
            }
        }
        if (name == "TARGETOS" || name == "TARGETARCH" || name == "TARGETVARIANT") {
            (name == "TARGETOS" ? p.os : name == "TARGETARCH" ? p.architecture : p.variant) = value;
            set = true;
        }
    }
    if (!set) return std::nullopt;
    return p;
}

// BuildKit's formatTargetPlatform: "->arm/v7" after a step's platform when the stage
// builds for another one (a stage FROM --platform=$BUILDPLATFORM that declared the
// TARGET* ARGs), "->windows/amd64" when the OS differs too.
std::string cross_target_suffix(const oci::Platform& base, const Variables& variables) {
    std::optional<oci::Platform> target = target_from_variables(variables);
    if (!target) return "";
    if (target->os.empty()) target->os = base.os;
    if (target->architecture.empty()) target->architecture = base.architecture;
    oci::Platform p = target->normalized();
    if (p.os == base.os && p.architecture != base.architecture)
        return "->" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
    if (p.os != base.os) return "->" + p.str();
    return "";
}

} // namespace

std::string step_description(StageState& stage, const Command& command, char escape, StepText mode) {
    // Like BuildKit: the instruction as written with its variables expanded (left as
    // written when expansion fails) and the keyword upper-cased.
    std::string text = command.original;
    try {
        LexOptions options;
        options.keep_quotes = options.keep_unset = mode == StepText::quotes_kept;
        text = expand_word(command.original, stage.lookup(), escape, options);
    } catch (const Error&) {
    }
    size_t space = text.find(' ');
    text = to_upper(text.substr(0, space)) + (space == std::string::npos ? "" : text.substr(space));
    if (stage.steps_total == 0) return text;
    ++stage.steps_done;
    std::string prefix = "[";
    if (stage.show_platform) {
        const oci::Platform& platform = stage.result.config.platform;
        prefix += platform.str() + cross_target_suffix(platform, stage.result.variables) + " ";
    }
    if (stage.show_stage_name) prefix += stage.stage.display_name() + " ";
    prefix += fmt::format("{:>{}}/{}] ", stage.steps_done, decimal_digits(stage.steps_total),
                          stage.steps_total);
    if (command.onbuild_trigger) prefix += "ONBUILD ";
    return prefix + text;
}

engine::graph::VertexMeta step_meta(const StageState& stage, std::string description,
                                    const std::optional<SourceSpan>& span) {
    return {std::move(description), span,
            stage.stage.name.empty() ? std::to_string(stage.stage.index) : stage.stage.name};
}

void add_history(StageState& stage, std::string created_by, const engine::graph::State* layer) {
    HistoryStep step;
    step.created_by = std::move(created_by);
    if (layer) step.layer_vertex = layer->vertex()->digest();
    stage.result.history.push_back(std::move(step));
}

int64_t created_dir_mtime(const LowerRequest& request) { return request.source_date_epoch.value_or(0); }

engine::graph::ChownSpec parse_chown(const std::string& spec, const std::string& what) {
    size_t colon = spec.find(':');
    engine::graph::ChownSpec chown;
    chown.user = spec.substr(0, colon);
    if (colon != std::string::npos) chown.group = spec.substr(colon + 1);
    if (chown.user.empty() || (colon != std::string::npos && chown.group.find(':') != std::string::npos))
        throw Error(ErrorKind::dockerfile,
                    fmt::format("invalid {} value \"{}\": expected user[:group]", what, spec));
    return chown;
}

} // namespace mab::dockerfile
