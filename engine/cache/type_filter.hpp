// `--filter type=…` of `mab du` and `mab prune`, with BuildKit's record type names. mab
// has entries of two of them: `regular` (cache records and the blobs no record
// references) and `exec.cachemount` (RUN cache mounts); the stat caches of local sources
// that `prune --all` drops stand for `source.local`. The other names are accepted and
// match nothing, as they would on a builder that never made such records.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mab::engine::cache {

inline constexpr std::string_view k_type_regular = "regular";
inline constexpr std::string_view k_type_cache_mount = "exec.cachemount";
inline constexpr std::string_view k_type_local_source = "source.local";

// BuildKit's record types (client.UsageRecordType), in its order.
const std::vector<std::string>& known_record_types();

struct TypeFilter {
    std::set<std::string> only;    // type=X: an entry must have one of them; empty: any type
    std::set<std::string> except;  // type!=X: an entry must have none of them

    bool matches(std::string_view type) const;
};

} // namespace mab::engine::cache
