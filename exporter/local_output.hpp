// The `local` and `tar` outputs: the final filesystem itself, not an image. Several
// platforms go into one directory (or tar) per platform, named like buildx's
// "linux_arm64".
#pragma once

#include "exporter/exporter.hpp"

namespace mab::exporter {

// `progress` hears "copying files": the bytes of the trees' regular files (each
// hardlinked file once), their sum counted before copying.
void write_local_output(const ImageSet& images, const std::string& dest, const OutputProgress& progress = {});
// `progress` hears "sending tarball": the bytes of the tar written so far (headers
// included); the total is known only at the end, the tarball's size.
void write_rootfs_tar_output(const ImageSet& images, const std::string& dest, int64_t mtime_clamp_or_negative,
                             const OutputProgress& progress = {});

} // namespace mab::exporter
