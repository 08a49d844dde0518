// lower(): resolves the target stage and lowers it and the stages it depends on (and
// only those, as BuildKit does), one instruction at a time.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "frontend-dockerfile/build_args.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/from_line.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/onbuild_triggers.hpp"
#include "frontend-dockerfile/stage_resolver.hpp"
#include "base/suggest.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

constexpr const char* k_default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// BuildKit numbers the steps that make vertices: COPY, ADD, RUN and WORKDIR (plus the
// FROM of an image).
int numbered_steps(const Stage& stage) {
    int total = 0;
    for (const Command& c : stage.commands)
        if (c.keyword == "COPY" || c.keyword == "ADD" || c.keyword == "RUN" || c.keyword == "WORKDIR")
            ++total;
    return total;
}

class Lowerer final : public LowerContext {
public:
    Lowerer(const ParsedDockerfile& parsed, const LowerRequest& lower_request)
        : m_dockerfile(parsed), m_request(lower_request) {
        m_globals = mab::dockerfile::global_args(
            parsed, lower_request, [this](const std::string& name) { m_declared.insert(name); });
    }

    // In BuildKit's order: every FROM line, the target, the COPY --from graph, and then
    // the stages the target needs.
    LoweredImage run() {
        for (const Stage& stage : m_dockerfile.stages)
            m_bases.push_back(resolve_from_line(stage, m_globals, m_dockerfile.escape));
        int target = find_target_stage(m_dockerfile, m_request.target);
        check_stage_dependencies(m_dockerfile);
        const StageResult& result = lower_stage(target);
        LoweredImage out{result.rootfs, result.config, result.history, m_dockerfile.warnings};
        out.warnings.insert(out.warnings.end(), m_warnings.begin(), m_warnings.end());
        for (const auto& [key, value] : m_request.labels) out.config.config.labels[key] = value;
        std::vector<std::string> unused;
        for (const auto& [name, value] : m_request.build_args)
            if (!m_declared.count(name) && !is_builtin_build_arg(name)) unused.push_back(name);
        if (!unused.empty())
            out.warnings.push_back(
                fmt::format("one or more build-args {} were not consumed", go_list(unused)));
        return out;
    }

    const LowerRequest& request() const override { return m_request; }
    const ParsedDockerfile& dockerfile() const override { return m_dockerfile; }
    const Variables& global_args() const override { return m_globals; }
    void note_declared_arg(const std::string& name) override { m_declared.insert(name); }
    void warn(std::string message) override {
        // A stage lowered for several reasons warns once.
        if (std::find(m_warnings.begin(), m_warnings.end(), message) == m_warnings.end())
            m_warnings.push_back(std::move(message));
    }

    engine::graph::State build_context() override {
        if (!m_context)
            m_context = engine::graph::State::local(
                engine::graph::LocalSource{m_request.context_source, m_request.context_excludes},
                {"[internal] load build context", std::nullopt});
        return *m_context;
    }

    const StageResult& copy_source_stage(const std::string& value, const Stage& current) override {
        std::optional<int> index = find_copy_source_stage(m_dockerfile, value);
        // A named local context replaces the stage of its name, or names what no stage does.
        const std::string name = index ? m_dockerfile.stages[static_cast<size_t>(*index)].name : value;
        if (const NamedContext* local = named_context(name, NamedContext::Kind::local_dir))
            return local_directory(name, *local);
        if (!index) return copy_source_image(value);
        // BuildKit builds stages in file order, so a later stage is not there yet.
        if (*index >= current.index)
            throw Error(ErrorKind::dockerfile,
                        fmt::format("cannot copy from stage \"{}\", it needs to be defined before current stage \"{}\"",
                                    value, current.display_name()));
        return lower_stage(*index);
    }

private:
    // COPY --from=<image>: what no stage or local context names is an image (a registry
    // reference or a docker-image:// / oci-layout:// context), resolved like FROM for the
    // target platform (BuildKit gives such a source no platform of its own). A name close
    // to a stage's is more likely a typo than an image, so a failure suggests the stage.
    const StageResult& copy_source_image(const std::string& name) {
        auto it = m_copy_images.find(name);
        if (it != m_copy_images.end()) return it->second;
        std::optional<oci::ResolvedImage> image;
        try {
            if (m_request.resolve_image) image = m_request.resolve_image(name, m_request.target_platform);
        } catch (const Error& e) {
            throw Error(e.kind(), with_suggestion(fmt::format("COPY --from={}: no stage has that name, and as an "
                                                              "image: {}",
                                                              name, e.what()),
                                                  name, stage_names(m_dockerfile)))
                .with_hint(e.hint());
        }
        if (!image)
            throw Error(ErrorKind::dockerfile,
                        with_suggestion(fmt::format("COPY --from={}: no stage has that name, and no image source "
                                                    "was given to resolve it as an image",
                                                    name),
                                        name, stage_names(m_dockerfile)));
        StageResult result = image_stage(name, *image, std::nullopt);
        return m_copy_images.emplace(name, std::move(result)).first->second;
    }

    const StageResult& lower_stage(int index) {
        if (auto it = m_done.find(index); it != m_done.end()) return it->second;
        const Stage& stage = m_dockerfile.stages[static_cast<size_t>(index)];
        if (std::find(m_in_progress.begin(), m_in_progress.end(), index) != m_in_progress.end())
            throw Error(ErrorKind::dockerfile,
                        fmt::format("circular dependency detected on stage: {}", stage.display_name()));
        m_in_progress.push_back(index);
        // A named context of the stage's name replaces the whole stage (BuildKit).
        StageResult result = !stage.name.empty() && m_request.named_contexts.count(stage.name)
                                 ? start_from_context(stage)
                                 : lower_stage_instructions(stage);
        m_in_progress.pop_back();
        return m_done.emplace(index, std::move(result)).first->second;
    }

    StageResult lower_stage_instructions(const Stage& stage) {
        StageState state{stage, start_stage(stage)};
        // The base's ONBUILD triggers run first; they are not passed on further.
        const std::vector<Command> triggers =
            parse_onbuild_triggers(state.result.config.config.on_build, stage.from_command.span);
        state.result.config.config.on_build.clear();
        state.steps_total = numbered_steps(stage) + static_cast<int>(triggers.size());  // as BuildKit counts
        state.show_stage_name = m_dockerfile.stages.size() > 1;
        state.show_platform = m_request.prefix_platform;
        for (const std::vector<Command>* list : {&triggers, &stage.commands}) {
            for (const Command& command : *list) {
                try {
                    lower_command(state, command);
                } catch (Error& e) {
                    e.with_span_if_unset(command.span);
                    throw;
                }
            }
        }
        return std::move(state.result);
    }

    // FROM: another stage, scratch, a named local context or an image.
    StageResult start_stage(const Stage& stage) {
        try {
            const std::string& base = m_bases[static_cast<size_t>(stage.index)].base;
            const std::optional<oci::Platform>& platform = m_bases[static_cast<size_t>(stage.index)].platform;
            if (std::optional<int> parent = find_earlier_stage(m_dockerfile, base, stage.index)) {
                return lower_stage(*parent);  // its ONBUILD instructions come due in this stage
            }
            if (named_context(base, NamedContext::Kind::local_dir))
                return start_from_local(stage, base, platform.value_or(m_request.target_platform));
            StageResult result;
            if (base != "scratch") {
                result = start_from_image(stage, base, platform.value_or(m_request.target_platform));
                return result;
            }
            result.config = empty_image(platform.value_or(m_request.target_platform));
            for (const std::string& entry : result.config.config.env) {
                size_t eq = entry.find('=');
                result.variables.set(entry.substr(0, eq), entry.substr(eq + 1));
            }
            return result;
        } catch (Error& e) {
            e.with_span_if_unset(stage.from_command.span);
            throw;
        }
    }

    // A stage replaced by the named context of its name: its instructions are not run.
    StageResult start_from_context(const Stage& stage) {
        try {
            const oci::Platform platform =
                m_bases[static_cast<size_t>(stage.index)].platform.value_or(m_request.target_platform);
            if (named_context(stage.name, NamedContext::Kind::local_dir))
                return start_from_local(stage, stage.name, platform);
            return start_from_image(stage, stage.name, platform);
        } catch (Error& e) {
            e.with_span_if_unset(stage.from_command.span);
            throw;
        }
    }

    const NamedContext* named_context(const std::string& name, NamedContext::Kind kind) const {
        auto it = m_request.named_contexts.find(name);
        return it != m_request.named_contexts.end() && it->second.kind == kind ? &it->second : nullptr;
    }

    // COPY --from=<named local context>: the directory as it is (one source vertex).
    const StageResult& local_directory(const std::string& name, const NamedContext& context) {
        auto it = m_local_directories.find(name);
        if (it != m_local_directories.end()) return it->second;
        StageResult result;
        result.rootfs = engine::graph::State::local(engine::graph::LocalSource{name, context.exclude_patterns},
                                                    {fmt::format("[context {}] load from client", name), std::nullopt});
        result.config = empty_image(m_request.target_platform);
        result.local_directory = true;
        return m_local_directories.emplace(name, std::move(result)).first->second;
    }

    // FROM <named local context>: the directory's files as the first layer, with the
    // config of FROM scratch (BuildKit gives a local context the empty image's config).
    StageResult start_from_local(const Stage& stage, const std::string& name, const oci::Platform& platform) {
        engine::graph::CopyAction all;
        all.src = "/";
        all.dest = "/";
        all.dest_is_dir = true;
        all.allow_wildcard = false;
        engine::graph::FileOp op;
        op.created_dir_mtime = created_dir_mtime(m_request);
        op.actions.emplace_back(std::move(all));
        StageResult result;
        result.rootfs = engine::graph::State::scratch().file(
            std::move(op), {local_directory(name, m_request.named_contexts.at(name)).rootfs},
            engine::graph::VertexMeta{fmt::format("[context {}] load from client", name), stage.from_command.span});
        result.config = empty_image(platform);
        for (const std::string& entry : result.config.config.env) {
            size_t eq = entry.find('=');
            result.variables.set(entry.substr(0, eq), entry.substr(eq + 1));
        }
        HistoryStep step;
        step.created_by = "local source for " + name;  // the layer's description in BuildKit
        step.layer_vertex = result.rootfs.vertex()->digest();
        result.history.push_back(std::move(step));
        return result;
    }

    // FROM <image>: a base image, resolved for this platform by the caller (a registry,
    // or a named build context).
    StageResult start_from_image(const Stage& stage, const std::string& base, const oci::Platform& platform) {
        // A name that fails as an image may be a misspelt stage: say so, as BuildKit does.
        // (Not the name itself: a stage a named context replaced has exactly this name.)
        std::vector<std::string> stages = stage_names(m_dockerfile);
        std::erase(stages, base);
        const std::string suggestion = did_you_mean(base, stages);
        std::optional<oci::ResolvedImage> image;
        try {
            if (m_request.resolve_image) image = m_request.resolve_image(base, platform);
        } catch (const Error& e) {
            if (suggestion.empty()) throw;
            throw Error(e.kind(), e.what() + suggestion).with_hint(e.hint());
        }
        if (!image)
            throw Error(ErrorKind::dockerfile,
                        fmt::format("FROM {}: no base image source was given to resolve it{}", base, suggestion));
        return image_stage(base, *image, stage.from_command.span);
    }

    // A resolved image as a stage: its layers as the rootfs, its config, its history.
    static StageResult image_stage(const std::string& base, const oci::ResolvedImage& resolved,
                                   std::optional<SourceSpan> span) {
        const oci::ResolvedImage* image = &resolved;
        StageResult result;
        engine::graph::ImageSource source{image->manifest.digest, image->layers, image->config.diff_ids};
        result.rootfs = engine::graph::State::image(
            std::move(source), engine::graph::VertexMeta{fmt::format("[internal] load image {} ({})", base,
                                                                      image->config.platform.str()),
                                                         std::move(span)});
        result.config = image->config;
        result.config.diff_ids.clear();
        std::vector<oci::HistoryEntry> history = std::move(result.config.history);
        result.config.history.clear();
        size_t layer_entries = 0;
        for (const oci::HistoryEntry& entry : history) layer_entries += entry.empty_layer ? 0 : 1;
        if (layer_entries != image->layers.size()) {
            // Images without (consistent) history still get one entry per layer, so the
            // built image's history lines up with its layers.
            history.assign(image->layers.size(), oci::HistoryEntry{"", "", "layer of base image " + base, false});
        }
        for (oci::HistoryEntry& entry : history) {
            HistoryStep step;
            step.created_by = entry.created_by;
            step.from_base = std::move(entry);
            result.history.push_back(std::move(step));
        }
        for (const std::string& entry : result.config.config.env) {
            size_t eq = entry.find('=');
            result.variables.set(entry.substr(0, eq), eq == std::string::npos ? "" : entry.substr(eq + 1));
        }
        return result;
    }

    void lower_command(StageState& state, const Command& command) {
        std::visit(
            [&](const auto& instruction) {
                using T = std::decay_t<decltype(instruction)>;
                if constexpr (std::is_same_v<T, CopyInstruction>) {
                    lower_copy(state, instruction, command, *this);
                } else if constexpr (std::is_same_v<T, WorkdirInstruction>) {
                    lower_workdir(state, instruction, command, *this);
                } else if constexpr (std::is_same_v<T, ArgInstruction>) {
                    lower_arg(state, instruction, *this);
                } else if constexpr (std::is_same_v<T, RunInstruction>) {
                    lower_run(state, instruction, command, *this);
                } else if constexpr (std::is_same_v<T, FromInstruction>) {
                    throw Error(ErrorKind::internal, "FROM inside a stage's instruction list");
                } else {
                    lower_config(state, command, *this);
                }
            },
            command.instruction);
    }

    const ParsedDockerfile& m_dockerfile;
    const LowerRequest& m_request;
    Variables m_globals;
    std::vector<StageBase> m_bases;  // each stage's FROM, expanded
    std::set<std::string> m_declared;
    std::vector<std::string> m_warnings;  // from instruction lowerers, in order
    std::map<int, StageResult> m_done;
    std::vector<int> m_in_progress;
    std::optional<engine::graph::State> m_context;
    std::map<std::string, StageResult> m_local_directories;  // COPY --from=<named local context>
    std::map<std::string, StageResult> m_copy_images;        // COPY --from=<image>, by name
};

} // namespace

oci::ImageConfig empty_image(const oci::Platform& platform) {
    oci::ImageConfig config;
    config.platform = platform;
    config.config.env = {std::string("PATH=") + k_default_path};
    config.config.working_dir = std::string(1, '/');  // not = "/": g++ 12 -Wrestrict false positive
    return config;
}

LoweredImage lower(const ParsedDockerfile& dockerfile, const LowerRequest& request) {
    return Lowerer(dockerfile, request).run();
}

} // namespace mab::dockerfile
