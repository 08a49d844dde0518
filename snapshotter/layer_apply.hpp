// Applying an OCI image layer onto a snapshot directory: the tar entries are written
// through the shared EntryWriter (so nothing lands outside the root), `.wh.<name>`
// deletes <name> from the lower content and `.wh..wh..opq` empties a directory of its
// lower content (OCI image spec, layer.md "Whiteouts").
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "snapshotter/in_root.hpp"

namespace mab::snapshotter {

struct ApplyOptions {
    // Cap on the uncompressed tar stream (gzip bombs, SECURITY.md §A item 7).
    std::optional<uint64_t> max_bytes;
};

// Applies the layer blob (tar, tar+gzip or tar+zstd, detected from its bytes) onto
// `root`. Whiteouts and opaque markers act on lower content only: entries this same
// layer adds stay, whatever the order of the entries. AUFS metadata (`.wh..wh.*`) is
// skipped. A degenerate whiteout (`.wh.`, `.wh..`, `.wh...`), an entry that would
// replace the root, a hardlink to a missing or outside file, a device node we may not
// create, a stream over max_bytes, or a malformed archive throw Error(input) naming the
// blob and entry. PAX/GNU long headers are capped at 1 MiB (libarchive's limit).
void apply_layer(const std::filesystem::path& blob, RootFs& root, const ApplyOptions& options = {});

} // namespace mab::snapshotter
