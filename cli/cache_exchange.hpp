// --cache-from / --cache-to for one build: records and blobs in, before the solve, from
// local OCI layouts and registries; and out, after it, to them. The format is
// engine/cache/cache_transfer.hpp's. A missing or unreadable import is a warning (the
// first CI run has no cache yet); a failed export is an error unless ignore-error=true.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/cache_flags.hpp"
#include "cli/progress_printer.hpp"
#include "engine/cache/record_store.hpp"
#include "engine/graph/vertex.hpp"
#include "engine/ops/runner.hpp"
#include "oci/content_store.hpp"
#include "registry/registry_client.hpp"

namespace mab::cli {

struct CacheExchange {
    engine::Runner& runner;
    const engine::cache::RecordStore& records;
    oci::ContentStore& store;
    registry::RegistryClient& registry;
    ProgressPrinter& progress;
};

// Imports the records of `sources` that this build's vertices (`roots`) may use.
void import_caches(const std::vector<CacheSpec>& sources, const std::vector<engine::graph::VertexRef>& roots,
                   CacheExchange& with);

// The manifest annotations carrying `root`'s inline cache (--cache-to type=inline): the
// records of its final stage's steps. Empty without such a --cache-to.
std::map<std::string, std::string> inline_cache_annotations(const std::vector<CacheSpec>& targets,
                                                            const engine::graph::VertexRef& root, CacheExchange& with);

// Exports this build's records (mode=min: the final stages' steps; max: all) to the
// local and registry targets (inline ones travel with the image).
void export_caches(const std::vector<CacheSpec>& targets, const std::vector<engine::graph::VertexRef>& roots,
                   CacheExchange& with);

} // namespace mab::cli
