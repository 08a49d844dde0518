// The one user + mount namespace per mab process (DESIGN.md decision 1). Every
// snapshot, extraction and chown happens inside it, so image ownership is right
// without privileges.
//
// Non-root users get their full subordinate id ranges (/etc/subuid, /etc/subgid) through
// the setuid helpers newuidmap/newgidmap; without ranges only their own uid/gid is mapped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mab::executor {

enum class NamespaceMode {
    host_root,           // real root: its own user namespace mapping every id to itself
    subordinate_ranges,  // non-root: uid/gid -> 0, subordinate ranges -> 1..N
    single_id_map,       // non-root: uid/gid -> 0, nothing else mapped
};

// One line of /proc/<pid>/uid_map: ids inside..inside+count-1 are outside..outside+count-1.
struct IdMapping {
    unsigned long inside = 0;
    unsigned long outside = 0;
    unsigned long count = 0;
};

struct BuildNamespace {
    NamespaceMode mode = NamespaceMode::host_root;
    std::vector<IdMapping> uid_map;  // host_root: {0, 0, 4294967295} (identity)
    std::vector<IdMapping> gid_map;
    std::string warning;             // set for single_id_map; the caller shows it
};

// A subordinate id range from /etc/subuid or /etc/subgid.
struct SubordinateRange {
    unsigned long start = 0;
    unsigned long count = 0;
};

// The ranges of `file` (lines "name:start:count" or "uid:start:count") that belong to
// the user `name` or `id`, in file order. A missing file yields none.
std::vector<SubordinateRange> read_subordinate_ranges(const std::string& file, const std::string& name,
                                                      unsigned long id);

// Enters the namespace. Must be called while the process is single-threaded (it forks a
// short-lived helper that runs newuidmap/newgidmap on this process). Throws
// Error(sandbox) with what to do when the kernel refuses unprivileged user namespaces
// or the id helpers fail.
BuildNamespace enter_build_namespace();

} // namespace mab::executor
