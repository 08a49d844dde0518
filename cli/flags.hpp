// A small flag parser for docker-style command lines: `--name value`, `--name=value`,
// `-t value`, `-tvalue`, boolean `--push` / `--push=false`, repeatable flags, `--`
// ending flags. The flag table is also the source of the help text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mab::cli {

struct FlagSpec {
    std::string name;         // "platform"
    char short_name = 0;      // 'f'
    std::string value_name;   // "" for a boolean flag, else "string" / "PATH" …
    std::string help;
    std::string default_text; // shown in help
};

struct ParsedFlags {
    std::map<std::string, std::vector<std::string>> values;  // by long name
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return values.count(name) > 0; }
    // The last value given (flags given twice: the last one wins, as in cobra).
    std::optional<std::string> last(const std::string& name) const;
    const std::vector<std::string>& all(const std::string& name) const;
    // Boolean flags: true if given without value or with true/1.
    bool flag(const std::string& name) const;
};

// Parses `args`; unknown flags and missing values throw Error(usage) naming the flag
// with a suggestion.
ParsedFlags parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

// "  -f, --file string    Name of the Dockerfile (default: PATH/Dockerfile)" lines.
std::string format_flag_help(const std::vector<FlagSpec>& specs);

} // namespace mab::cli
