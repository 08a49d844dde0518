// The `local` and `tar` outputs: the final filesystem itself, not an image. Several
// platforms go into one directory (or tar) per platform, named like buildx's
// "linux_arm64".
#pragma once

#include "exporter/exporter.hpp"

namespace mab::exporter {

void write_local_output(const ImageSet& images, const std::string& dest);
void write_rootfs_tar_output(const ImageSet& images, const std::string& dest, int64_t mtime_clamp_or_negative);

} // namespace mab::exporter
