// Moving one blob between a registry and the content store. Downloads stream into the
// store, resume with Range after a broken transfer and are verified (size and digest)
// before they are committed. Uploads ask first (HEAD), mount from another repository
// of the same registry when possible, and send small blobs in one PUT and large ones
// in chunks (PATCH).
#pragma once

#include <string>
#include <vector>

#include "oci/content_store.hpp"
#include "oci/descriptor.hpp"
#include "registry/blob_progress.hpp"
#include "registry/endpoint.hpp"

namespace mab::registry {

// Fetches `blob` from `repository` into `store` unless it is there already. A blob that
// does not match its digest or size is an Error(registry) naming the digest, and
// nothing is stored. `progress` (optional) hears the bytes received so far.
void download_blob(Endpoint& endpoint, const std::string& repository, const oci::Descriptor& blob,
                   oci::ContentStore& store, const BlobProgress& progress = {});

enum class UploadOutcome { present, mounted, uploaded };

// Makes `blob` present in `repository`: nothing if the registry has it, a cross-
// repository mount from one of `mount_from` (same registry) if it accepts one, else an
// upload from `store` (monolithic up to settings.chunked_upload_threshold, chunked
// above). Throws Error(registry) if it must be uploaded and `store` lacks it.
// `progress` (optional) hears the bytes the registry has taken of an upload: 0 at its
// start, after each chunk, blob.size at the end (nothing for a mount or a present blob).
UploadOutcome upload_blob(Endpoint& endpoint, const std::string& repository, const oci::Descriptor& blob,
                          const oci::ContentStore& store, const std::vector<std::string>& mount_from,
                          const BlobProgress& progress = {});

} // namespace mab::registry
