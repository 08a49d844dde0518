// Cache keys: what decides that a vertex's earlier result (a cache record) can be used.
// A key is sha256 over a version, the op's description (every semantic field), the layer
// options (compression, media types, SOURCE_DATE_EPOCH: they change the blobs) and its
// inputs' keys; for a local source (the build context, a named directory) the key holds
// the content checksum of exactly what each COPY selects from it, not its mtimes, so an
// unchanged file keeps its COPY (and everything after it) cached however the rest of the
// context changes. Sources whose content cannot be known without fetching have no key,
// and neither has anything built on them: an ADD <url> without --checksum, a git ref
// that is not a full commit id. Names, labels and Dockerfile lines are never part of it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/graph/vertex.hpp"
#include "engine/ops/context_checksum.hpp"
#include "oci/digest.hpp"
#include "snapshotter/layer.hpp"

namespace mab::engine::ops {

class CacheKeys {
public:
    // `local_sources` maps a LocalSource's name to its directory; `stat_cache_dir` keeps
    // one StatCache file per directory.
    CacheKeys(std::map<std::string, std::filesystem::path> local_sources, snapshotter::LayerOptions layer_options,
              std::filesystem::path stat_cache_dir);

    // The vertex's key, or nullopt when it has none (see above). Thread-safe; each
    // vertex's key is computed once.
    std::optional<oci::Digest> key_of(const graph::Vertex& vertex);
    // Persists the stat caches (after a build).
    void save();

private:
    std::optional<oci::Digest> compute(const graph::Vertex& vertex);
    std::optional<oci::Digest> local_selection(const graph::LocalSource& source, const std::string& src);
    StatCache& stat_cache_for(const std::filesystem::path& dir);

    std::map<std::string, std::filesystem::path> m_local_sources;
    std::string m_layer_options;
    std::filesystem::path m_stat_cache_dir;
    std::recursive_mutex m_mutex;
    std::map<oci::Digest, std::optional<oci::Digest>> m_keys;
    std::map<std::filesystem::path, std::unique_ptr<StatCache>> m_stat_caches;
};

} // namespace mab::engine::ops
