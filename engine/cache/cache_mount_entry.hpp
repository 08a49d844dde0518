// A RUN --mount=type=cache directory as `mab du`, `mab prune` and the GC after a build
// see it: one cache entry of BuildKit's type `exec.cachemount`, sized by what its
// directory holds on disk. engine/ops/cache_mount_store.hpp lists and removes them; this
// module only plans with them.
#pragma once

#include <cstdint>
#include <string>

namespace mab::engine::cache {

struct CacheMountEntry {
    std::string name;         // its directory's name under ROOT/cache-mounts (a sha256 in hex)
    std::string id;           // the mount's id= (the target when none was given); "" if unknown
    std::string description;  // "cached mount /var/cache/apt from exec /bin/sh -c …"
    int64_t created = 0;      // seconds since the epoch
    int64_t last_used = 0;    // when a RUN last took or released it
    int64_t size = 0;         // bytes on disk (blocks), every file counted once
    bool in_use = false;      // a RUN holds it now: never removed
};

} // namespace mab::engine::cache
