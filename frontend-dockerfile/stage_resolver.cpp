#include "frontend-dockerfile/stage_resolver.hpp"

#include <fmt/format.h>

#include <cctype>

#include "frontend-dockerfile/command_line.hpp"
#include "base/suggest.hpp"

namespace mab::dockerfile {

namespace {

std::optional<int> find_named(const ParsedDockerfile& dockerfile, const std::string& name, int before) {
    std::string wanted = to_lower(name);
    for (int i = 0; i < before && i < static_cast<int>(dockerfile.stages.size()); ++i)
        if (!dockerfile.stages[static_cast<size_t>(i)].name.empty() &&
            dockerfile.stages[static_cast<size_t>(i)].name == wanted)
            return i;
    return std::nullopt;
}

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

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
    if (all_digits(value)) {
        if (value.size() > 9 || std::stoi(value) >= count)
            throw Error(ErrorKind::dockerfile,
                        fmt::format("invalid stage index {}: the Dockerfile has {} stage{}", value, count,
                                    count == 1 ? "" : "s"));
        return std::stoi(value);
    }
    return find_named(dockerfile, value, count);
}

int find_target_stage(const ParsedDockerfile& dockerfile, const std::string& target) {
    if (target.empty()) return static_cast<int>(dockerfile.stages.size()) - 1;
    if (std::optional<int> i = find_named(dockerfile, target, static_cast<int>(dockerfile.stages.size())))
        return *i;
    throw Error(ErrorKind::dockerfile,
                with_suggestion(fmt::format("target stage \"{}\" could not be found", target), target,
                                stage_names(dockerfile)));
}

} // namespace mab::dockerfile
