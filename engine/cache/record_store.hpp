// The persistent build cache's records: what a vertex with a given cache key produced,
// as the layers of its whole filesystem (blobs in the content store). A record is one
// small JSON file, ROOT/cache/records/<key hex>.json, written atomically (temporary file
// and rename) after the blobs it names were committed, so a record never names a blob a
// crash lost and two processes writing the same key leave one whole record. Reading a
// record checks that every blob is still there (a pruned blob makes it a miss) and
// marks it used (the file's mtime), which garbage collection orders by.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/content_store.hpp"
#include "oci/digest.hpp"
#include "snapshotter/layer.hpp"

namespace mab::engine::cache {

struct CachedLayer {
    snapshotter::Layer layer;
    oci::Digest vertex;        // the vertex that produced it (image history pairs on it)
    std::string description;   // its progress label
    bool operator==(const CachedLayer&) const = default;
};

struct CacheRecord {
    oci::Digest key;
    std::string description;           // the step, for `mab du`
    std::vector<CachedLayer> layers;   // bottom first: the whole filesystem
    int64_t created = 0;               // seconds since the epoch
    int64_t last_used = 0;             // from the file's mtime when read
    bool operator==(const CacheRecord&) const = default;
};

// The record's JSON (stable key order) and back; a malformed document throws Error(input).
std::string record_to_json(const CacheRecord& record);
CacheRecord record_from_json(const std::string& text);

class RecordStore {
public:
    // `dir` is ROOT/cache/records (created when missing).
    RecordStore(std::filesystem::path dir, const oci::ContentStore& content);

    // The record for `key` whose blobs are all present, marked used now; nullopt when
    // there is none, it is unreadable (left for GC) or a blob is gone.
    std::optional<CacheRecord> find(const oci::Digest& key) const;
    void put(const CacheRecord& record) const;
    // Every readable record (for du/prune), in no particular order.
    std::vector<CacheRecord> list() const;
    void remove(const oci::Digest& key) const;

    const std::filesystem::path& dir() const { return m_dir; }

private:
    std::filesystem::path path_of(const oci::Digest& key) const;
    std::filesystem::path m_dir;
    const oci::ContentStore& m_content;
};

} // namespace mab::engine::cache
