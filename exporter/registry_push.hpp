// -o type=image,push=true (also type=registry and --push): the built images assembled
// in the content store and pushed to every repository the output's names point at, all
// tags of one repository with one push (blobs go once; a second repository on the same
// registry mounts them from the first).
#pragma once

#include "exporter/exporter.hpp"

namespace mab::exporter {

// Throws Error(usage) for an image output that cannot be pushed: push not asked for
// (mab keeps no local image store), no name, a digest as a name, a tag with
// push-by-digest.
void check_push_output(const OutputSpec& spec);

// Pushes the images as `spec` says through `environment.registry`; progress
// lines name each repository and the pushed manifest ("pushing manifest for REF@DIGEST").
ExportResult push_images(const ImageSet& images, const OutputSpec& spec, oci::ContentStore& store,
                         const ExportEnvironment& environment);

} // namespace mab::exporter
