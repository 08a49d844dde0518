// `--cache-to` / `--cache-from` values in buildx's CSV syntax:
//   --cache-to type=local,dest=DIR[,mode=min|max]    --cache-from type=local,src=DIR
//   --cache-to type=registry,ref=REF[,mode=max]      --cache-from type=registry,ref=REF
//   --cache-from REF (a registry reference)          --cache-to type=inline (in the pushed image)
// plus buildx's ignore-error=true (a failed export is a warning). Other buildx cache
// types (gha, s3, azblob) and unknown keys are errors naming the flag.
#pragma once

#include <filesystem>
#include <string>

namespace mab::cli {

struct CacheSpec {
    // inline: the records of the image's own steps ride in its manifest (an image pushed
    // with it is a registry cache source too).
    enum class Type { local, registry, inline_cache } type = Type::local;
    std::filesystem::path dir;   // local: dest (export) or src (import)
    std::string ref;             // registry
    bool max = false;            // mode=max: every step's record, not only the final stage's
    bool ignore_error = false;
    std::string text;            // the flag and value as given, for messages
};

// `exporting` picks --cache-to's keys (dest, mode) over --cache-from's (src).
CacheSpec parse_cache_spec(const std::string& value, bool exporting);

} // namespace mab::cli
