// `mab build --call NAME[,format=text|json]` (also `--print NAME`, as older buildx named
// it): report on the Dockerfile instead of building it.
#pragma once

#include <string>

namespace mab::cli {

struct CallRequest {
    enum class Kind { build, outline, targets } kind = Kind::build;
    enum class Format { text, json } format = Format::text;
};

// Parses a --call / --print value ("outline", "targets,format=json", "build"). Unknown
// names and keys throw Error(usage) naming `flag`, with a suggestion; buildx's "check"
// is refused as not supported.
CallRequest parse_call_flag(const std::string& value, const std::string& flag);

} // namespace mab::cli
