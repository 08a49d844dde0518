// What `mab imagetools create` and `mab manifest` share: reading a source's entries (an
// index's manifests, or a lone manifest with its config's platform), merging entries
// into one index, and making an entry's manifest and blobs pushable from its source.
#pragma once

#include <vector>

#include "cli/imagetools.hpp"
#include "oci/descriptor.hpp"
#include "oci/image.hpp"
#include "registry/reference.hpp"

namespace mab::cli {

// One manifest (or nested index) of a new index, and the source it comes from.
struct IndexEntry {
    oci::Descriptor descriptor;
    registry::Reference source;
};

registry::Reference at_digest(registry::Reference ref, const oci::Digest& digest);

// A lone manifest's platform, from its config.
oci::Platform platform_of_manifest(RegistrySession& session, const registry::Reference& ref,
                                   const registry::ManifestData& data);

// An index's entries, or a manifest as one entry with its platform.
std::vector<IndexEntry> entries_of(RegistrySession& session, const registry::Reference& ref,
                                   const registry::ManifestData& data);

// An OCI index if any entry is OCI, else a Docker manifest list (as buildx chooses);
// each digest once.
oci::ImageIndex merge_entries(const std::vector<IndexEntry>& entries);

// Puts the entry's manifest (and an index's children) in the content store and notes
// where its blobs are for mounts; with `fetch_blobs` (a target on another registry) the
// blobs are fetched too, to be uploaded.
void stage_entry(RegistrySession& session, const IndexEntry& entry, bool fetch_blobs);

// Stages every entry (fetching blobs of sources on another host than the targets') and
// pushes `root` to each target repository with its tags; prints buildx-like lines.
void push_index(RegistrySession& session, const oci::Descriptor& root, const std::vector<IndexEntry>& entries,
                const std::vector<registry::Reference>& targets);

} // namespace mab::cli
