// OCI content descriptors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "oci/digest.hpp"
#include "oci/platform.hpp"

namespace mab::oci {

struct Descriptor {
    std::string media_type;
    Digest digest;
    int64_t size = 0;
    std::optional<Platform> platform;                 // only in an index
    std::map<std::string, std::string> annotations;   // sorted: deterministic JSON

    bool operator==(const Descriptor&) const = default;
};

} // namespace mab::oci
