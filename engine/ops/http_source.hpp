// ADD <url>: one file downloaded over HTTP(S) into an empty tree, as BuildKit's HTTP
// source: mode 0600, mtime from Last-Modified (else the epoch), the bytes verified
// against --checksum when one is given. Redirects are followed; TLS is verified.
#pragma once

#include <filesystem>

#include "engine/graph/op.hpp"
#include "registry/http_transport.hpp"

namespace mab::engine::ops {

// Writes source.url's body to rootfs/source.filename. Throws Error naming the URL when
// the server answers other than 2xx, the transfer fails, or the checksum differs (both
// digests named); the file is removed then.
void download_http_source(const graph::HttpSource& source, const registry::HttpTransport& http,
                          const std::filesystem::path& rootfs);

} // namespace mab::engine::ops
