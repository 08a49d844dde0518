// Path arithmetic for paths inside the image (always '/'-separated, never touching the
// host filesystem).
#pragma once

#include <string>
#include <string_view>

namespace mab::dockerfile {

// Go's path.Clean: collapses "//", "." and ".." (".." never climbs above "/" for an
// absolute path); "" becomes ".".
std::string clean_path(std::string_view path);

// `path` made absolute against `workdir` (itself absolute or empty for "/") and cleaned.
std::string resolve_in_workdir(std::string_view workdir, std::string_view path);

} // namespace mab::dockerfile
