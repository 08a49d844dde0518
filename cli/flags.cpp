#include "cli/flags.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/suggest.hpp"

namespace mab::cli {

namespace {

const FlagSpec* find_long(const std::vector<FlagSpec>& specs, const std::string& name) {
    for (const FlagSpec& s : specs)
        if (s.name == name) return &s;
    return nullptr;
}

const FlagSpec* find_short(const std::vector<FlagSpec>& specs, char c) {
    for (const FlagSpec& s : specs)
        if (s.short_name == c) return &s;
    return nullptr;
}

[[noreturn]] void unknown_flag(const std::string& given, const std::vector<FlagSpec>& specs) {
    std::vector<std::string> names;
    for (const FlagSpec& s : specs) names.push_back("--" + s.name);
    throw Error(ErrorKind::usage, "unknown flag: " + given + did_you_mean(given, names));
}

bool parse_bool(const std::string& flag, const std::string& value) {
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw Error(ErrorKind::usage,
                fmt::format("invalid value \"{}\" for flag {}: expected true or false", value, flag));
}

} // namespace

std::optional<std::string> ParsedFlags::last(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

const std::vector<std::string>& ParsedFlags::all(const std::string& name) const {
    static const std::vector<std::string> k_none;
    auto it = values.find(name);
    return it == values.end() ? k_none : it->second;
}

bool ParsedFlags::flag(const std::string& name) const {
    std::optional<std::string> v = last(name);
    return v && *v == "true";
}

ParsedFlags parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
    ParsedFlags out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            out.positional.insert(out.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
            out.positional.push_back(arg);
            continue;
        }
        const FlagSpec* spec = nullptr;
        std::optional<std::string> inline_value;
        std::string shown;
        if (arg.rfind("--", 0) == 0) {
            std::string body = arg.substr(2);
            size_t eq = body.find('=');
            if (eq != std::string::npos) {
                inline_value = body.substr(eq + 1);
                body = body.substr(0, eq);
            }
            shown = "--" + body;
            spec = find_long(specs, body);
        } else {
            shown = arg.substr(0, 2);
            spec = find_short(specs, arg[1]);
            if (arg.size() > 2) inline_value = arg[2] == '=' ? arg.substr(3) : arg.substr(2);
        }
        if (!spec) unknown_flag(shown, specs);

        if (spec->value_name.empty()) {
            out.values[spec->name].push_back(
                inline_value ? (parse_bool(shown, *inline_value) ? "true" : "false") : "true");
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= args.size())
                throw Error(ErrorKind::usage, fmt::format("flag needs an argument: {}", shown));
            inline_value = args[++i];
        }
        out.values[spec->name].push_back(*inline_value);
    }
    return out;
}

std::string format_flag_help(const std::vector<FlagSpec>& specs) {
    std::vector<std::pair<std::string, std::string>> rows;
    size_t width = 0;
    for (const FlagSpec& s : specs) {
        std::string left = s.short_name ? fmt::format("  -{}, --{}", s.short_name, s.name)
                                        : fmt::format("      --{}", s.name);
        if (!s.value_name.empty()) left += " " + s.value_name;
        std::string right = s.help;
        if (!s.default_text.empty()) right += fmt::format(" (default: {})", s.default_text);
        width = std::max(width, left.size());
        rows.emplace_back(left, right);
    }
    std::string out;
    for (const auto& [left, right] : rows) out += fmt::format("{:<{}}   {}\n", left, width, right);
    return out;
}

} // namespace mab::cli
