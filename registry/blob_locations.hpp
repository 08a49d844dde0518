// Which repositories of a registry are known to hold a blob: learnt from pulls (a
// manifest's blobs are in its repository) and pushes, so a later push to another
// repository of the same registry can mount the blob instead of uploading it.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "oci/digest.hpp"

namespace mab::registry {

class BlobLocations {
public:
    void add(const std::string& host, const std::string& repository, const oci::Digest& digest);
    // Repositories on `host` other than `except` known to hold `digest`.
    std::vector<std::string> find(const std::string& host, const oci::Digest& digest,
                                  const std::string& except) const;

private:
    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, oci::Digest>, std::set<std::string>> m_known;
};

} // namespace mab::registry
