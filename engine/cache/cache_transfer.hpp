// Cache export and import (--cache-to / --cache-from): cache records with their layer
// blobs, packed as one OCI image manifest so that any OCI layout directory or registry
// can carry them. The format (docs/architecture.md, "Cache export and import"):
//  - manifest: application/vnd.oci.image.manifest.v1+json;
//  - config: application/vnd.mab.cache.config.v1+json, {"records":[…],"version":1}, each
//    record as in ROOT/cache/records/ (key, description, created, layers);
//  - layers: every blob the records name, once, with its own media type.
// Keys are portable: they hold content checksums and digests, never paths or mtimes, so
// an empty CI runner importing the cache computes the same keys for the same sources.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/cache/record_store.hpp"
#include "oci/content_store.hpp"
#include "oci/descriptor.hpp"

namespace mab::engine::cache {

inline constexpr const char* k_cache_config_media_type = "application/vnd.mab.cache.config.v1+json";
// The manifest annotation holding an image's inline cache (--cache-to type=inline): the
// cache config JSON of the records of the image's own steps; their blobs are the image's.
inline constexpr const char* k_inline_cache_annotation = "dev.mab.cache.v1";

std::string cache_config_json(const std::vector<CacheRecord>& records);
// Throws Error(input) naming what is wrong.
std::vector<CacheRecord> parse_cache_config(const std::string& json);

// Puts the config and manifest for `records` into `store` (their layer blobs must be
// there already) and returns the manifest's descriptor.
oci::Descriptor stage_cache_manifest(const std::vector<CacheRecord>& records, oci::ContentStore& store);

// The records a staged or fetched cache manifest carries (its config from `store`).
std::vector<CacheRecord> read_cache_manifest(const oci::Descriptor& manifest, const oci::ContentStore& store);

// Writes the manifest and its blobs as an OCI layout in `dir` (created; blobs already
// there are kept, index.json is replaced atomically last, so a reader sees the old
// cache or the new one).
void write_cache_layout(const std::filesystem::path& dir, const oci::Descriptor& manifest,
                        const oci::ContentStore& store);

// The cache manifest of the layout in `dir` (its only index.json entry), with the
// manifest and config copied into `store`. Throws Error(input) naming the directory.
oci::Descriptor import_cache_layout_manifest(const std::filesystem::path& dir, oci::ContentStore& store);

// Puts each record of `records` that `wanted` accepts and `into` lacks into `into`,
// after `fetch_blobs` brought the blobs it names that `store` lacks (verified). Returns
// how many records were imported.
int import_records(const std::vector<CacheRecord>& records, const std::function<bool(const oci::Digest&)>& wanted,
                   const std::function<void(const std::vector<oci::Descriptor>&)>& fetch_blobs,
                   const RecordStore& into, const oci::ContentStore& store);

} // namespace mab::engine::cache
