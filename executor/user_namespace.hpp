// The one user + mount namespace per mab process (DESIGN.md decision 1). Every
// snapshot, extraction and chown happens inside it, so image ownership is right
// without privileges.
//
// This slice maps a single id (the caller's uid/gid becomes 0) for non-root users;
// subordinate id ranges through newuidmap/newgidmap come with the sandbox.
#pragma once

namespace mab::executor {

enum class NamespaceMode {
    host_root,      // real root: a private mount namespace, identity ids
    single_id_map,  // non-root: uid/gid -> 0, nothing else mapped
};

// Enters the namespace. Must be called while the process is single-threaded. Throws
// Error(sandbox) with what to do when the kernel refuses unprivileged user namespaces.
NamespaceMode enter_build_namespace();

} // namespace mab::executor
