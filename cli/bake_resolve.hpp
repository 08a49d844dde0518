// From a merged bake definition to the targets one `mab bake` builds: names expanded
// through groups, `inherits` applied, --set overrides applied, defaults filled in; and
// the result as `--print` shows it, in buildx's JSON shape.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/bake_file.hpp"

namespace mab::cli {

struct ResolvedBake {
    std::vector<std::string> requested;           // the names asked for ("default" when none)
    std::map<std::string, BakeGroup> groups;      // the groups those names reached
    std::map<std::string, BakeTarget> targets;    // every target to build, fully resolved
};

// `names`: targets or groups; empty: group "default", else every target. `sets`:
// --set values, "PATTERN.KEY=VALUE" (or KEY+=VALUE to append to a list) where PATTERN
// names targets with shell wildcards. Unknown names, keys and inheritance cycles throw
// Error(usage / input) naming them, with the nearest name.
ResolvedBake resolve_bake(const BakeDefinition& definition, const std::vector<std::string>& names,
                          const std::vector<std::string>& sets);

// {"group": {...}, "target": {...}} as `docker buildx bake --print` prints it.
std::string bake_print_json(const ResolvedBake& bake);

} // namespace mab::cli
