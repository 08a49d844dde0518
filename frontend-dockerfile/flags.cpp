#include "frontend-dockerfile/flags.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "frontend-dockerfile/command_line.hpp"
#include "base/suggest.hpp"

namespace mab::dockerfile {

std::optional<std::string> ParsedFlags::get(const std::string& name) const {
    auto it = m_values.find(name);
    if (it == m_values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

bool ParsedFlags::is_set(const std::string& name) const {
    std::optional<std::string> v = get(name);
    return v && *v == "true";
}

std::vector<std::string> ParsedFlags::all(const std::string& name) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

ParsedFlags parse_flags(std::string_view keyword, const std::vector<std::string>& flags,
                        const std::vector<FlagSpec>& specs) {
    ParsedFlags out;
    for (const std::string& flag : flags) {
        if (flag == "--") break;
        std::string body = flag.substr(2);
        std::optional<std::string> value;
        if (size_t eq = body.find('='); eq != std::string::npos) {
            value = body.substr(eq + 1);
            body.resize(eq);
        }
        std::string shown = "--" + body;
        if (specs.empty())
            throw Error(ErrorKind::dockerfile,
                        fmt::format("{} does not take flags, got {}", keyword, shown));
        const FlagSpec* spec = nullptr;
        for (const FlagSpec& s : specs)
            if (s.name == body) spec = &s;
        if (!spec) {
            std::vector<std::string> names;
            for (const FlagSpec& s : specs) names.push_back("--" + s.name);
            throw Error(ErrorKind::dockerfile,
                        with_suggestion(fmt::format("unknown flag: {}", shown), shown, names));
        }
        std::vector<std::string>& slot = out.m_values[body];
        if (!slot.empty() && spec->kind != FlagKind::repeated)
            throw Error(ErrorKind::dockerfile, fmt::format("duplicate flag specified: {}", shown));
        if (spec->kind == FlagKind::boolean) {
            std::string v = value ? to_lower(*value) : "true";
            if (v != "true" && v != "false")
                throw Error(ErrorKind::dockerfile,
                            fmt::format("expecting boolean value for flag {}, not: {}", shown, *value));
            slot.push_back(v);
        } else {
            if (!value)
                throw Error(ErrorKind::dockerfile, fmt::format("missing a value on flag: {}", shown));
            slot.push_back(*value);
        }
    }
    return out;
}

} // namespace mab::dockerfile
