// The storage root's layout: content/ (blobs by digest), tmp/ (per-build work dirs).
// Opening it creates what is missing (0700: snapshots may hold setuid files and must
// not be reachable by other users) and removes work dirs of builds that died.
#pragma once

#include <filesystem>

#include "base/temp_dir.hpp"

namespace mab::cli {

class StorageRoot {
public:
    explicit StorageRoot(std::filesystem::path root);

    std::filesystem::path content_dir() const { return m_root / "content"; }
    // A work dir for one build, removed when the TempDir goes away.
    TempDir make_build_dir() const;

private:
    void remove_dead_build_dirs() const;
    std::filesystem::path m_root;
};

} // namespace mab::cli
