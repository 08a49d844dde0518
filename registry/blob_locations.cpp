#include "registry/blob_locations.hpp"

namespace mab::registry {

void BlobLocations::add(const std::string& host, const std::string& repository, const oci::Digest& digest) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_known[{host, digest}].insert(repository);
}

std::vector<std::string> BlobLocations::find(const std::string& host, const oci::Digest& digest,
                                             const std::string& except) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<std::string> out;
    auto it = m_known.find({host, digest});
    if (it == m_known.end()) return out;
    for (const std::string& repo : it->second)
        if (repo != except) out.push_back(repo);
    return out;
}

} // namespace mab::registry
