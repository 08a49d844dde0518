#include "frontend-dockerfile/stage_resolver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <set>

#include "base/suggest.hpp"
#include "frontend-dockerfile/command_line.hpp"

namespace mab::dockerfile {

namespace {

// The last stage so named before `before` (a repeated name means its latest stage).
std::optional<int> find_named(const ParsedDockerfile& dockerfile, const std::string& name, int before) {
    for (int i = std::min(before, static_cast<int>(dockerfile.stages.size())) - 1; i >= 0; --i) {
        const std::string& stage_name = dockerfile.stages[static_cast<size_t>(i)].name;
        if (!stage_name.empty() && stage_name == name) return i;
    }
    return std::nullopt;
}

// Go's strconv.Atoi: an optional sign and decimal digits that fit an int.
std::optional<long long> go_atoi(const std::string& s) {
    size_t i = s.empty() || (s[0] != '+' && s[0] != '-') ? 0 : 1;
    if (i == s.size()) return std::nullopt;
    long long value = 0;
    for (size_t j = i; j < s.size(); ++j) {
        if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
        value = value * 10 + (s[j] - '0');
        if (value > std::numeric_limits<int64_t>::max() / 10) return std::nullopt;
    }
    return s[0] == '-' ? -value : value;
}

// The stages COPY --from commands of a stage refer to, with the command, in order.
struct StageReference {
    int stage;
    const Command* command;
};

// One reference per stage, at the last command naming it (BuildKit keeps them in a map).
std::vector<StageReference> copy_references(const ParsedDockerfile& dockerfile, const Stage& stage) {
    std::vector<StageReference> out;
    for (const Command& command : stage.commands) {
        const auto* copy = std::get_if<CopyInstruction>(&command.instruction);
        if (!copy || copy->from.empty()) continue;
        try {
            std::optional<int> index = find_copy_source_stage(dockerfile, copy->from);
            if (!index) continue;
            auto same = std::find_if(out.begin(), out.end(), [&](const StageReference& r) { return r.stage == *index; });
            if (same != out.end())
                same->command = &command;
            else
                out.push_back({*index, &command});
        } catch (Error& e) {
            e.with_span_if_unset(command.span);
            throw;
        }
    }
    return out;
}

// BuildKit's validateCircularDependency: a depth-first walk from each stage in order;
// the first walk that comes back to a stage on its path reports the stage it started
// from, at the commands along the path.
class CycleFinder {
public:
    explicit CycleFinder(const ParsedDockerfile& dockerfile) : m_dockerfile(dockerfile) {
        for (const Stage& stage : dockerfile.stages) m_references.push_back(copy_references(dockerfile, stage));
    }

    void check() {
        for (const Stage& stage : m_dockerfile.stages) {
            std::vector<const Command*> path_commands;
            if (visit(stage.index, path_commands))
                throw Error(ErrorKind::dockerfile,
                            fmt::format("circular dependency detected on stage: {}", stage.display_name()),
                            path_commands.front()->span);
        }
    }

private:
    bool visit(int stage, std::vector<const Command*>& path_commands) {
        if (!m_visited.insert(stage).second) return false;
        m_on_path.insert(stage);
        for (const StageReference& ref : m_references[static_cast<size_t>(stage)]) {
            path_commands.push_back(ref.command);
            if (m_on_path.count(ref.stage) || visit(ref.stage, path_commands)) return true;
            path_commands.pop_back();
        }
        m_on_path.erase(stage);
        return false;
    }

    const ParsedDockerfile& m_dockerfile;
    std::vector<std::vector<StageReference>> m_references;
    std::set<int> m_visited;
    std::set<int> m_on_path;
};

} // namespace

std::vector<std::string> stage_names(const ParsedDockerfile& dockerfile) {
    std::vector<std::string> names;
    for (const Stage& s : dockerfile.stages)
        if (!s.name.empty()) names.push_back(s.name);
    return names;
}

std::optional<int> find_earlier_stage(const ParsedDockerfile& dockerfile, const std::string& name,
                                      int before) {
    return find_named(dockerfile, name, before);
}

std::optional<int> find_copy_source_stage(const ParsedDockerfile& dockerfile, const std::string& value) {
    int count = static_cast<int>(dockerfile.stages.size());
    if (std::optional<long long> index = go_atoi(value)) {
        if (*index < 0 || *index >= count)
            throw Error(ErrorKind::dockerfile, fmt::format("invalid stage index {}", *index))
                .with_hint(fmt::format("the Dockerfile has {} stage{}, numbered from 0", count, count == 1 ? "" : "s"));
        return static_cast<int>(*index);
    }
    return find_named(dockerfile, to_lower(value), count);
}

int find_target_stage(const ParsedDockerfile& dockerfile, const std::string& target) {
    if (target.empty()) return static_cast<int>(dockerfile.stages.size()) - 1;
    if (std::optional<int> i = find_named(dockerfile, to_lower(target), static_cast<int>(dockerfile.stages.size())))
        return *i;
    throw Error(ErrorKind::dockerfile,
                with_suggestion(fmt::format("target stage \"{}\" could not be found", target), target,
                                stage_names(dockerfile)));
}

void check_stage_dependencies(const ParsedDockerfile& dockerfile) { CycleFinder(dockerfile).check(); }

} // namespace mab::dockerfile
