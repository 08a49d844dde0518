#include "engine/cache/type_filter.hpp"

namespace mab::engine::cache {

const std::vector<std::string>& known_record_types() {
    static const std::vector<std::string> k_types{
        "internal", "frontend", "source.local", "source.git.checkout", "exec.cachemount", "regular",
    };
    return k_types;
}

bool TypeFilter::matches(std::string_view type) const {
    const std::string name(type);
    if (!only.empty() && !only.count(name)) return false;
    return !except.count(name);
}

} // namespace mab::engine::cache
