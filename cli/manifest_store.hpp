// `mab manifest`'s local lists: manifest lists being put together before they are
// pushed (docker keeps them in ~/.docker/manifests). One JSON file per list under
// ROOT/manifests/, named by the sha256 of the list's full reference, holding the
// reference, the index as it will be pushed and each entry's source image.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/manifest_staging.hpp"
#include "oci/image.hpp"

namespace mab::cli {

struct LocalManifestList {
    registry::Reference ref;          // the list's own name (where it will be pushed)
    std::vector<IndexEntry> entries;  // in order; each a manifest with its platform
};

class ManifestStore {
public:
    explicit ManifestStore(std::filesystem::path dir);  // ROOT/manifests

    std::optional<LocalManifestList> find(const registry::Reference& ref) const;
    void save(const LocalManifestList& list) const;
    // False when there was no such list.
    bool remove(const registry::Reference& ref) const;

private:
    std::filesystem::path path_of(const registry::Reference& ref) const;
    std::filesystem::path m_dir;
};

} // namespace mab::cli
