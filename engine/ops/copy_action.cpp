#include "engine/ops/copy_action.hpp"

#include <fcntl.h>

#include <cerrno>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/ops/entry_copier.hpp"
#include "engine/ops/root_paths.hpp"
#include "engine/ops/user_lookup.hpp"
#include "engine/ops/wildcard.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/archive_extract.hpp"

namespace mab::engine::ops {

namespace {

using snapshotter::RootFs;

constexpr mode_t k_created_dir_mode = 0755;

// Descends from directory `dir` (in-root `path`) through the pattern components from
// `index` on, collecting matches in the order of a lexical walk. Like Go's
// filepath.Walk, symlinks are not descended into while matching. With a filter (and
// `dir`'s walk state in it), entries it filters out are not there.
void walk_matches(int dir, const std::string& path, const std::vector<std::string>& components,
                  size_t index, std::vector<std::string>& out, const ContextFilter* filter,
                  const ContextFilter::Dir* filtered) {
    for (const std::string& name : snapshotter::list_directory(dir, path)) {
        if (!wildcard_match(components[index], name)) continue;
        const std::string child = join_path(path, name);
        struct stat st {};
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("lstat", child);
        std::optional<ContextFilter::Dir> child_filtered;
        if (filter != nullptr) {
            child_filtered = filter->enter(*filtered, dir, name, st);
            if (!child_filtered) continue;
        }
        if (index + 1 == components.size()) {
            out.push_back(child);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) continue;
        UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) throw_errno("open", child);
        walk_matches(sub.get(), child, components, index + 1, out, filter, child_filtered ? &*child_filtered : nullptr);
    }
}

// The source paths matching `pattern` (cleaned, absolute). As in BuildKit, the literal
// components before the first wildcard are resolved (inside the root) and the rest is
// matched below them. A filter hides what it filters out.
std::vector<std::string> expand_wildcards(const RootFs& root, const std::string& pattern,
                                          const ContextFilter* filter) {
    const std::vector<std::string> components = snapshotter::split_path(pattern);
    size_t first = 0;
    std::string literal = "/";
    while (first < components.size() && !has_wildcard(components[first])) {
        literal = join_path(literal, components[first++]);
    }
    for (size_t i = first; i < components.size(); ++i) validate_wildcard(components[i]);
    const std::string base = root.resolve(literal);
    std::optional<ContextFilter::Dir> base_filtered;
    if (filter != nullptr) {
        base_filtered = filter->find(root, base);
        if (!base_filtered) return {};
    }
    std::optional<UniqueFd> dir = open_dir(root, base);
    std::vector<std::string> out;
    if (dir) walk_matches(dir->get(), base, components, first, out, filter, base_filtered ? &*base_filtered : nullptr);
    return out;
}

class CopyRun {
public:
    CopyRun(const graph::CopyAction& action, const CopySource& source, RootFs& dest,
            int64_t created_dir_mtime, DirTimes& times)
        : m_action(action), m_source(source), m_dest(dest), m_created_mtime(created_dir_mtime),
          m_times(times), m_verb(action.unpack_archives ? "ADD" : "COPY"),
          m_dest_path(snapshotter::clean_path(action.dest)),
          m_owner(resolve_owner(action.chown, dest)),
          m_copier(dest, CopyMetadata{m_owner, action.preserve_owner, action.chmod}, times, source.filter) {}

    void run() {
        const std::string src = snapshotter::clean_path(m_action.src);
        std::vector<std::string> sources{src};
        if (m_action.allow_wildcard && has_wildcard(m_action.src)) {
            sources = expand_wildcards(*m_source.root, src, m_source.filter);
            if (sources.empty()) {
                const bool excluded =
                    m_source.filter != nullptr && !expand_wildcards(*m_source.root, src, nullptr).empty();
                throw excluded ? excluded_error(src) : not_found(src);
            }
        }
        if (sources.size() > 1 && !m_action.dest_is_dir) {
            throw Error(ErrorKind::input,
                        fmt::format("When using {} with more than one source file, the destination "
                                    "must be a directory and end with a /", m_verb));
        }
        for (const std::string& path : sources) copy_one(path);
    }

private:
    Error not_found(const std::string& src) const {
        return Error(ErrorKind::input,
                     fmt::format("{} failed: \"{}\": not found in {}", m_verb, src, m_source.label));
    }

    // BuildKit's words for a source its context transfer left out, and the reason.
    Error excluded_error(const std::string& src) const {
        const std::string relative = src.size() > 1 ? src.substr(1) : src;
        return Error(ErrorKind::input,
                     fmt::format("failed to compute cache key: failed to calculate checksum of ref {}: \"{}\": "
                                 "not found",
                                 m_source.ref_name, src))
            .with_hint(fmt::format("\"{}\" is in {} but excluded by its {}; to copy it, remove the pattern "
                                   "that matches it or add an exception: !{}",
                                   src, m_source.label, m_source.filter_origin, relative));
    }

    // The walk state of `entry` (found by following `src` as the action says) in the
    // source's filter, or an error when the filter leaves it out. A followed symlink
    // must itself be kept, as well as what it points to.
    std::optional<ContextFilter::Dir> filtered_state(const RootEntry& entry, const std::string& src) const {
        if (m_source.filter == nullptr) return std::nullopt;
        std::optional<ContextFilter::Dir> state = m_source.filter->find(*m_source.root, entry.path);
        if (state && m_action.follow_symlinks && src != "/") {
            const std::string link = join_path(m_source.root->resolve(parent_path(src)), base_name(src));
            if (link != entry.path && !m_source.filter->find(*m_source.root, link)) state.reset();
        }
        if (!state) throw excluded_error(src);
        return state;
    }

    void mkdirs(const std::string& path) {
        mkdir_all_tracked(m_dest, path, k_created_dir_mode, m_owner, m_created_mtime, m_times);
    }

    // The destination directory at `path` (created if missing), resolved and opened.
    std::pair<std::string, UniqueFd> dest_dir(const std::string& path) {
        mkdirs(path);
        std::string resolved = m_dest.resolve(path);
        m_times.keep_existing(resolved);
        std::optional<UniqueFd> fd = open_dir(m_dest, resolved);
        if (!fd) throw Error(ErrorKind::input, fmt::format("{}: not a directory", path));
        return {std::move(resolved), std::move(*fd)};
    }

    void copy_one(const std::string& src) {
        const Follow follow = m_action.follow_symlinks ? Follow::yes : Follow::no;
        std::optional<RootEntry> entry = find_entry(*m_source.root, src, follow);
        if (!entry) throw not_found(src);
        const std::optional<ContextFilter::Dir> filtered = filtered_state(*entry, src);
        if (m_action.unpack_archives && S_ISREG(entry->st.st_mode) && extract_if_archive(*entry)) return;
        if (S_ISDIR(entry->st.st_mode)) {
            copy_directory_contents(*entry, src, filtered ? &*filtered : nullptr);
        } else {
            copy_non_directory(*entry, src);
        }
    }

    // ADD: a local tar archive is extracted into the destination directory.
    bool extract_if_archive(const RootEntry& entry) {
        UniqueFd file = open_regular(entry.dir.get(), entry.name, entry.path);
        const std::string file_path = fd_path(file.get());
        if (!snapshotter::is_tar_archive(file_path)) return false;
        auto [resolved, dir] = dest_dir(m_dest_path);
        snapshotter::ExtractOptions options;
        options.chown = m_owner;
        options.preserve_owners = true;
        snapshotter::extract_tar(file_path, m_dest, resolved, options);
        return true;
    }

    // A directory's contents go into the destination, which becomes a directory.
    void copy_directory_contents(const RootEntry& entry, const std::string& src,
                                 const ContextFilter::Dir* filtered) {
        std::optional<struct stat> existing = m_dest.stat(m_dest_path);
        if (existing && !S_ISDIR(existing->st_mode)) {
            throw Error(ErrorKind::input, fmt::format("cannot copy to non-directory: {}", m_dest_path));
        }
        auto [resolved, dir] = dest_dir(m_dest_path);
        UniqueFd in(::openat(entry.dir.get(), entry.name.c_str(),
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!in) throw_errno("open", src);
        m_copier.copy_contents(in.get(), src, dir.get(), resolved, filtered);
    }

    // A file (or a symlink, when not followed) goes to dest/<basename> when dest is a
    // directory, else to dest itself.
    void copy_non_directory(const RootEntry& entry, const std::string& src) {
        std::optional<struct stat> existing = m_dest.stat(m_dest_path);
        std::string dir_path;
        std::string name;
        if (m_action.dest_is_dir || (existing && S_ISDIR(existing->st_mode))) {
            dir_path = m_dest_path;
            name = base_name(src);
        } else {
            // A final symlink at dest resolves inside the root, as BuildKit's RootPath.
            mkdirs(parent_path(m_dest_path));
            const std::string target = m_dest.resolve(m_dest_path);
            dir_path = parent_path(target);
            name = base_name(target);
        }
        auto [resolved, dir] = dest_dir(dir_path);
        SourceEntry from{entry.dir.get(), entry.name, src, entry.st};
        m_copier.copy_entry(from, DestSlot{dir.get(), resolved, name});
    }

    const graph::CopyAction& m_action;
    const CopySource& m_source;
    RootFs& m_dest;
    int64_t m_created_mtime;
    DirTimes& m_times;
    std::string m_verb;
    std::string m_dest_path;
    std::optional<snapshotter::Ownership> m_owner;
    EntryCopier m_copier;
};

} // namespace

void run_copy(const graph::CopyAction& action, const CopySource& source, RootFs& dest,
              int64_t created_dir_mtime, DirTimes& times) {
    CopyRun(action, source, dest, created_dir_mtime, times).run();
}

} // namespace mab::engine::ops
