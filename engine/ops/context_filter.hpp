// A local source as BuildKit transfers it when it has exclude patterns: the entries the
// patterns leave, decided during a walk as fsutil decides them. An excluded file is
// gone; an excluded directory is gone with everything below it, unless an exception may
// re-include something inside (ExcludePatterns::may_reinclude_below): then it stays if
// something below it stays, with only those entries. Copies from such a source see
// this view only (wildcards, directory contents, single paths), so excluded files
// never reach an image.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ops/exclude_patterns.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

class ContextFilter {
public:
    // Throws Error(input) naming a malformed pattern.
    explicit ContextFilter(const std::vector<std::string>& patterns);

    // A directory a walk has entered: its path relative to the root ("" for the root)
    // and which patterns matched it.
    struct Dir {
        std::string path;
        ExcludePatterns::MatchInfo info;
    };
    static Dir root() { return {}; }

    // Entry `name` (lstat `st`) of directory `parent`, open as `parent_fd`: nullopt if
    // the filtered source does not have it, else its walk state (for its entries).
    std::optional<Dir> enter(const Dir& parent, int parent_fd, const std::string& name,
                             const struct stat& st) const;

    // The walk state of the entry at `path` (absolute in `tree`, no symlinks in its
    // parents), nullopt if it is absent or filtered out.
    std::optional<Dir> find(const snapshotter::RootFs& tree, std::string_view path) const;

private:
    // Whether directory `dir` (open as `fd`) keeps any entry.
    bool keeps_any(int fd, const Dir& dir) const;

    ExcludePatterns m_patterns;
};

} // namespace mab::engine::ops
