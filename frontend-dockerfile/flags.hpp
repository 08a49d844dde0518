// Instruction flags ("--from=build", "--link") checked against what each instruction
// accepts, as BuildKit's BFlags does, with "did you mean" for typos.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

enum class FlagKind {
    string,    // --name=value, at most once
    boolean,   // --name or --name=true|false, at most once
    repeated,  // --name=value, any number of times (RUN --mount)
};

struct FlagSpec {
    std::string name;  // without "--"
    FlagKind kind;
};

class ParsedFlags {
public:
    // The value of a string flag; nullopt when absent ("--from=" gives "").
    std::optional<std::string> get(const std::string& name) const;
    // A boolean flag's value; false when absent.
    bool is_set(const std::string& name) const;
    // Every value of a repeated flag, in order.
    std::vector<std::string> all(const std::string& name) const;

private:
    friend ParsedFlags parse_flags(std::string_view, const std::vector<std::string>&,
                                   const std::vector<FlagSpec>&);
    std::map<std::string, std::vector<std::string>> m_values;
};

// Parses `flags` ("--name[=value]" words) for `keyword`. Unknown, repeated or malformed
// flags throw Error(dockerfile) without a location, e.g.
// "unknown flag: --form (did you mean --from?)".
ParsedFlags parse_flags(std::string_view keyword, const std::vector<std::string>& flags,
                        const std::vector<FlagSpec>& specs);

} // namespace mab::dockerfile
