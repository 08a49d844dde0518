// Choosing an image's manifest for a platform, with containerd's matching rules:
// same os and architecture; arm64 with or without "v8" is the same; an arm/v7 request
// accepts v7, then v6, then v5 images; an amd64 request accepts v1 (no variant) images.
#pragma once

#include <optional>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/platform.hpp"

namespace mab::oci {

// How well `have` serves `want`: 0 is exact, higher is a worse fallback; nullopt if
// it cannot run `want`'s binaries.
std::optional<int> platform_match_rank(const Platform& want, const Platform& have);

// The index entry that best serves `want`, or nullopt.
std::optional<Descriptor> select_manifest(const std::vector<Descriptor>& manifests, const Platform& want);

} // namespace mab::oci
