#include "frontend-dockerfile/outline.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "frontend-dockerfile/build_args.hpp"
#include "frontend-dockerfile/from_line.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/stage_resolver.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

// BuildKit's argInfo: where an ARG is defined, its value, and the global ARGs its
// default read (used along with it).
struct ArgInfo {
    OutlineArg arg;
    std::set<std::string> reads;
};

using ArgInfos = std::map<std::string, ArgInfo>;

ArgInfo info_for(const ArgDeclaration& decl, const Command& command, const std::optional<std::string>& value) {
    return ArgInfo{OutlineArg{decl.key, value.value_or(""), decl.description, command.span.first_line,
                              command.span.last_line},
                   {}};
}

// A lookup that notes the names it found set.
VariableLookup noting_found(const VariableLookup& values, std::set<std::string>& found) {
    return [values, &found](const std::string& name) {
        std::optional<std::string> value = values(name);
        if (value) found.insert(name);
        return value;
    };
}

// One stage's share of the outline: the ARGs it defines and uses, the stages it needs.
struct StageOutline {
    ArgInfos infos;                // global ARGs, then the stage's own ARG definitions
    std::vector<std::string> used; // in the order first used
    std::vector<int> needs;        // base stage, then COPY --from stages
    Variables variables;           // ENV and ARG values at its end
};

class OutlineBuilder {
public:
    OutlineBuilder(const ParsedDockerfile& dockerfile, const LowerRequest& request)
        : m_dockerfile(dockerfile), m_request(request), m_escape(dockerfile.escape) {
        collect_globals();
        for (const Stage& stage : dockerfile.stages) m_bases.push_back(resolve_from_line(stage, m_globals, m_escape));
    }

    Outline build() {
        int target = find_target_stage(m_dockerfile, m_request.target);
        check_stage_dependencies(m_dockerfile);
        const Stage& stage = m_dockerfile.stages[static_cast<size_t>(target)];
        Outline out{stage.name, stage.description, {}};
        std::set<std::string> listed;
        std::set<int> walked;
        list_args(target, listed, walked, out.args);
        std::stable_sort(out.args.begin(), out.args.end(),
                         [](const OutlineArg& a, const OutlineArg& b) { return a.first_line < b.first_line; });
        return out;
    }

private:
    // BuildKit's buildMetaArgs, keeping what each global ARG's default read.
    void collect_globals() {
        m_globals = global_args(m_dockerfile, m_request, [](const std::string&) {});
        Variables so_far;
        for (const auto& [name, value] : automatic_args(m_dockerfile, m_request)) {
            auto it = m_request.build_args.find(name);
            so_far.set(name, it != m_request.build_args.end() ? it->second : value);
        }
        for (const Command& command : m_dockerfile.global_args) {
            for (const ArgDeclaration& decl : std::get<ArgInstruction>(command.instruction).args) {
                std::set<std::string> read;
                std::optional<std::string> value =
                    global_arg_value(decl, m_request, noting_found(so_far.lookup(), read), m_escape);
                ArgInfo info = info_for(decl, command, value);
                // An ARG that reads itself keeps what its earlier definition read.
                if (read.erase(decl.key))
                    if (auto earlier = m_global_infos.find(decl.key); earlier != m_global_infos.end())
                        read.insert(earlier->second.reads.begin(), earlier->second.reads.end());
                info.reads = std::move(read);
                m_global_infos[decl.key] = std::move(info);
                if (value) so_far.set(decl.key, *value);
            }
        }
    }

    const StageOutline& stage_outline(int index) {
        if (auto it = m_stages.find(index); it != m_stages.end()) return it->second;
        const Stage& stage = m_dockerfile.stages[static_cast<size_t>(index)];
        const StageBase& base = m_bases[static_cast<size_t>(index)];
        StageOutline out;
        out.infos = m_global_infos;
        note_from_line_reads(stage, out);
        if (std::optional<int> parent = find_earlier_stage(m_dockerfile, base.base, index)) {
            out.variables = stage_outline(*parent).variables;
            out.needs.push_back(*parent);
        } else if (base.base == "scratch") {
            for (const std::string& entry : empty_image(m_request.target_platform).config.env)
                out.variables.set(entry.substr(0, entry.find('=')), entry.substr(entry.find('=') + 1));
        }
        for (const Command& command : stage.commands) walk(command, out);
        return m_stages.emplace(index, std::move(out)).first->second;
    }

    // The global ARGs a FROM line expands count as used by its stage.
    void note_from_line_reads(const Stage& stage, StageOutline& out) {
        std::set<std::string> read;
        VariableLookup lookup = noting_found(m_globals.lookup(), read);
        expand_word(stage.from.base, lookup, m_escape);
        if (stage.from.platform) expand_word(*stage.from.platform, lookup, m_escape);
        for (const std::string& name : read) use(out, name);
    }

    void walk(const Command& command, StageOutline& out) {
        if (const auto* arg = std::get_if<ArgInstruction>(&command.instruction)) {
            for (const ArgDeclaration& decl : arg->args) {
                std::optional<std::string> value =
                    stage_arg_value(decl, m_request, out.variables.lookup(), m_globals, m_escape);
                // Declared without a default, it takes the global ARG, definition and all.
                bool inherited = !decl.value && !m_request.build_args.count(decl.key) && m_globals.get(decl.key);
                if (!inherited) out.infos[decl.key] = info_for(decl, command, value);
                if (value) out.variables.set(decl.key, *value);
                use(out, decl.key);
            }
        } else if (const auto* env = std::get_if<EnvInstruction>(&command.instruction)) {
            // Only for the values later ARG defaults read; an ENV that cannot be expanded
            // here (it may read a base image's ENV) is left out.
            try {
                VariableLookup before = out.variables.lookup();
                for (const KeyValue& kv : env->pairs)
                    out.variables.set(expand_word(kv.key, before, m_escape), expand_word(kv.value, before, m_escape));
            } catch (const Error&) {
            }
        } else if (const auto* copy = std::get_if<CopyInstruction>(&command.instruction)) {
            if (!copy->from.empty())
                if (std::optional<int> source = find_copy_source_stage(m_dockerfile, copy->from))
                    out.needs.push_back(*source);
        }
    }

    static void use(StageOutline& out, const std::string& name) {
        if (std::find(out.used.begin(), out.used.end(), name) == out.used.end()) out.used.push_back(name);
    }

    // BuildKit's markAllUsed: a used ARG brings the global ARGs its default read.
    static void add_reads(const ArgInfos& infos, const std::string& name, std::vector<std::string>& names) {
        if (std::find(names.begin(), names.end(), name) != names.end()) return;
        names.push_back(name);
        if (auto it = infos.find(name); it != infos.end())
            for (const std::string& read : it->second.reads) add_reads(infos, read, names);
    }

    // BuildKit's dispatchState.args: the stage's used ARGs that have a definition, then
    // those of its base and of the stages it copies from; each name once.
    void list_args(int index, std::set<std::string>& listed, std::set<int>& walked, std::vector<OutlineArg>& out) {
        if (!walked.insert(index).second) return;
        const StageOutline& stage = stage_outline(index);
        std::vector<std::string> names;
        for (const std::string& name : stage.used) add_reads(stage.infos, name, names);
        for (const std::string& name : names) {
            auto it = stage.infos.find(name);
            if (it != stage.infos.end() && listed.insert(name).second) out.push_back(it->second.arg);
        }
        for (int need : stage.needs) list_args(need, listed, walked, out);
    }

    const ParsedDockerfile& m_dockerfile;
    const LowerRequest& m_request;
    char m_escape;
    Variables m_globals;
    ArgInfos m_global_infos;
    std::vector<StageBase> m_bases;
    std::map<int, StageOutline> m_stages;
};

} // namespace

std::vector<TargetInfo> list_targets(const ParsedDockerfile& dockerfile) {
    std::vector<TargetInfo> out;
    for (const Stage& stage : dockerfile.stages) {
        TargetInfo target;
        target.name = stage.name;
        target.description = stage.description;
        target.base = stage.from.base;
        target.platform = stage.from.platform.value_or("");
        target.is_default = stage.index + 1 == static_cast<int>(dockerfile.stages.size());
        target.first_line = stage.from_command.span.first_line;
        target.last_line = stage.from_command.span.last_line;
        out.push_back(std::move(target));
    }
    return out;
}

Outline outline(const ParsedDockerfile& dockerfile, const LowerRequest& request) {
    return OutlineBuilder(dockerfile, request).build();
}

} // namespace mab::dockerfile
