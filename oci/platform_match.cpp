#include "oci/platform_match.hpp"

namespace mab::oci {

namespace {

// "v7" -> 7; "" -> 0.
int variant_number(const std::string& v) {
    if (v.size() < 2 || v[0] != 'v') return 0;
    try {
        return std::stoi(v.substr(1));
    } catch (const std::logic_error&) {
        return 0;
    }
}

} // namespace

std::optional<int> platform_match_rank(const Platform& want_in, const Platform& have_in) {
    Platform want = want_in.normalized();
    Platform have = have_in.normalized();
    if (want.os != have.os || want.architecture != have.architecture) return std::nullopt;
    if (want.variant == have.variant) return 0;
    if (want.architecture == "arm") {
        // An ARMv7 CPU runs v6 and v5 binaries: older variants are fallbacks.
        int w = variant_number(want.variant);
        int h = variant_number(have.variant);
        if (h > 0 && h < w) return w - h;
        return std::nullopt;
    }
    if (want.architecture == "amd64") {
        int w = variant_number(want.variant.empty() ? "v1" : want.variant);
        int h = variant_number(have.variant.empty() ? "v1" : have.variant);
        if (h <= w) return w - h;
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Descriptor> select_manifest(const std::vector<Descriptor>& manifests, const Platform& want) {
    std::optional<Descriptor> best;
    int best_rank = 0;
    for (const Descriptor& d : manifests) {
        if (!d.platform) continue;
        std::optional<int> rank = platform_match_rank(want, *d.platform);
        if (rank && (!best || *rank < best_rank)) {
            best = d;
            best_rank = *rank;
        }
    }
    return best;
}

} // namespace mab::oci
