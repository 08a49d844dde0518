// The operations of the build graph: a closed set of plain value structs (std::variant),
// so a new kind fails to compile wherever it is not handled. Only semantic fields live
// here; names, progress labels and source lines are VertexMeta and stay out of the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "oci/descriptor.hpp"
#include "oci/digest.hpp"
#include "oci/platform.hpp"

namespace mab::engine::graph {

// An empty filesystem (FROM scratch).
struct ScratchSource {
    bool operator==(const ScratchSource&) const = default;
};

// A base image's filesystem: its layers applied in order. The manifest digest names
// the image (and so the layers and diff_ids, which are listed for the runner).
struct ImageSource {
    oci::Digest manifest;
    std::vector<oci::Descriptor> layers;
    std::vector<oci::Digest> diff_ids;
    bool operator==(const ImageSource&) const = default;
};

// Files from a build context on the client ("context", or a named context).
struct LocalSource {
    std::string name;                           // "context"
    std::vector<std::string> exclude_patterns;  // .dockerignore patterns (issue 5)
    bool operator==(const LocalSource&) const = default;
};

// A file downloaded over HTTP(S) (ADD <url>): a tree holding only /<filename>, mode
// 0600, its mtime the response's Last-Modified (else 0), as BuildKit's HTTP source.
// With a checksum the bytes must hash to it. Never extracted.
struct HttpSource {
    std::string url;
    std::optional<oci::Digest> checksum;  // ADD --checksum=sha256:…
    std::string filename;                 // the URL path's last element, or "__unnamed__"
    bool operator==(const HttpSource&) const = default;
};

// A git repository's tree at a ref (ADD <git url>), cloned with the git program: the
// ref is a branch, a tag or a full commit id ("" = the default branch); only `subdir`'s
// contents when it is set; .git is kept only with keep_git_dir (ADD --keep-git-dir).
struct GitSource {
    std::string url;     // as written: "https://host/repo.git", "git@host:repo.git", "git://…"
    std::string ref;
    std::string subdir;  // "" = the whole tree
    bool keep_git_dir = false;
    bool operator==(const GitSource&) const = default;
};

enum class NetworkMode { host, none };

enum class MountType { bind, cache, tmpfs, secret, ssh };
enum class CacheSharing { shared, private_, locked };

// One RUN --mount, checked and expanded by the frontend (BuildKit's keys and defaults).
// What a bind (or a cache's seed) reads is an input of the ExecOp, named by index.
struct ExecMount {
    MountType type = MountType::bind;
    std::string target;             // absolute; "" for a secret or ssh mount's default
    std::optional<int> input;       // bind, cache from=: 1-based among the op's inputs
    std::string source;             // bind, cache: the path in the input ("" = its root)
    std::string id;                 // cache (default the target), secret, ssh
    CacheSharing sharing = CacheSharing::shared;
    bool readonly = false;
    bool required = false;          // secret, ssh
    std::optional<uint32_t> mode, uid, gid;  // cache, secret, ssh
    std::optional<int64_t> size;    // tmpfs, bytes
    bool operator==(const ExecMount&) const = default;
};

// A process run in the sandbox on a copy of input 0 (RUN). The platform says which
// architecture's binaries it runs (emulated when it is not the host's). Inputs 1..N
// are what its mounts read.
struct ExecOp {
    std::vector<std::string> args;
    std::vector<std::string> env;     // "KEY=value": the stage's ENV and ARG values
    std::string cwd = "/";
    std::string user;                 // "" (root), "name", "uid", "user:group"
    oci::Platform platform;
    NetworkMode network = NetworkMode::host;
    // RUN --mount, in the order written. Only a secret's and an ssh socket's id are in
    // the op, never their values (which the runner gets from the CLI).
    std::vector<ExecMount> mounts = {};
    bool operator==(const ExecOp&) const = default;
};

// A user and group for created files: numeric ids, or names resolved against the
// destination root's /etc/passwd and /etc/group when the op runs.
struct ChownSpec {
    std::string user;   // "1000" or "app"
    std::string group;  // "" = the user's primary group (or same as uid if numeric)
    bool operator==(const ChownSpec&) const = default;
};

// Copy from input `source_input` (1-based among the op's inputs; 0 is the base) path
// `src` to `dest` in the base. Docker COPY/ADD semantics:
//  - src may hold wildcards (filepath.Match per component) when allow_wildcard;
//  - a directory's contents are copied, not the directory itself;
//  - dest ending in "/" (dest_is_dir) or several sources: dest is a directory;
//  - missing destination parents are created (0755, chown applied to created dirs).
struct CopyAction {
    int source_input = 1;
    std::string src;
    std::string dest;                  // absolute in-image path ("/app/")
    bool dest_is_dir = false;          // dest ended with "/" (or several sources)
    bool allow_wildcard = true;
    bool follow_symlinks = true;       // the top-level src symlink is followed (in-root)
    bool preserve_owner = false;       // COPY --from keeps owners; the context gives 0:0
    bool unpack_archives = false;      // ADD: local tar archives are extracted
    std::optional<ChownSpec> chown;
    std::optional<uint32_t> chmod;     // permission bits (07777) for copied entries
    bool operator==(const CopyAction&) const = default;
};

struct MkdirAction {
    std::string path;
    uint32_t mode = 0755;
    bool make_parents = true;
    std::optional<ChownSpec> chown;
    bool operator==(const MkdirAction&) const = default;
};

struct MkfileAction {
    std::string path;
    uint32_t mode = 0644;
    std::string data;
    std::optional<ChownSpec> chown;
    bool operator==(const MkfileAction&) const = default;
};

struct RmAction {
    std::string path;
    bool allow_not_found = true;
    bool operator==(const RmAction&) const = default;
};

using FileAction = std::variant<CopyAction, MkdirAction, MkfileAction, RmAction>;

// File actions applied in order to a copy of input 0 (the base); produces one layer.
struct FileOp {
    std::vector<FileAction> actions;
    std::optional<int64_t> created_dir_mtime;  // mtime for directories the op creates
    bool operator==(const FileOp&) const = default;
};

// Input 0's filesystem with the layers of inputs 1..N stacked on top, each as it is
// (COPY --link, BuildKit's MergeOp): the layers are applied, never diffed again, so an
// input built on scratch keeps its layer digest whatever the base is.
struct MergeOp {
    bool operator==(const MergeOp&) const = default;
};

using Op = std::variant<ScratchSource, ImageSource, LocalSource, HttpSource, GitSource, FileOp, ExecOp, MergeOp>;

// One line that names the op and all its semantic fields in a fixed order; it is both
// the graph dump format and (with the inputs' digests) what the vertex digest hashes.
std::string describe_op(const Op& op);

} // namespace mab::engine::graph
