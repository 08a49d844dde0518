// The OCI image layout (image-spec layout.md): `oci-layout`, `index.json` and
// `blobs/sha256/…`, as a tarball or a directory. The docker archive reuses it and adds
// its `manifest.json`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "exporter/image_assembly.hpp"

namespace mab::exporter {

// The layout's index.json: one entry per name (annotated with the full name and the
// tag as ref.name, as BuildKit does), or one plain entry if there are no names.
std::string layout_index_json(const AssembledImages& images, const std::vector<std::string>& names);

// Writes the layout as a tar to `fd`; `extra_files` (name -> contents) are added at the
// top level (docker's manifest.json). `progress` hears "sending tarball": the bytes of
// the files in the tar (blobs and JSON, not tar headers), whose sum is known up front.
void write_layout_tar(const AssembledImages& images, const std::vector<std::string>& names,
                      const oci::ContentStore& store, int fd, int64_t mtime,
                      const std::map<std::string, std::string>& extra_files = {},
                      const OutputProgress& progress = {});

// Writes the layout into directory `dest` (created; an existing layout there gets the
// new blobs and its index.json replaced). `progress` hears "copying files": the bytes
// of the blobs dest lacks and of the two JSON files.
void write_layout_dir(const AssembledImages& images, const std::vector<std::string>& names,
                      const oci::ContentStore& store, const std::filesystem::path& dest,
                      const OutputProgress& progress = {});

} // namespace mab::exporter
