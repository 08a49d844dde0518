#include "engine/ops/copy_to_layer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "engine/ops/entry_copier.hpp"
#include "engine/ops/root_paths.hpp"
#include "engine/ops/user_lookup.hpp"
#include "engine/ops/wildcard.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/in_root.hpp"
#include "snapshotter/layer_builder.hpp"

namespace mab::engine::ops {

namespace {

// Thrown while writing when the source holds something only the snapshot path handles;
// the half-written blob is dropped with the builder.
struct StepAside {};

constexpr mode_t k_created_dir_mode = 0755;

// Whether the open file has extended attributes. The snapshot path copies them (and the
// layer then holds what the destination filesystem kept); here any of them means "step
// aside", so the two paths cannot differ.
bool has_xattrs(int fd, const std::string& path) {
    const ssize_t size = ::flistxattr(fd, nullptr, 0);
    if (size < 0) {
        if (errno == ENOTSUP || errno == EOPNOTSUPP) return false;
        throw_errno("listxattr", path);
    }
    return size > 0;
}

// The ids this process's user namespace maps (/proc/self/{uid,gid}_map): a copy may
// only give owners a snapshot could hold, else the snapshot path's clear error (a
// rootless user without subordinate ids) would turn into a layer no later step could
// unpack.
class MappedIds {
public:
    MappedIds() : m_uids(read_map("/proc/self/uid_map")), m_gids(read_map("/proc/self/gid_map")) {}
    bool holds(snapshotter::Ownership o) const { return in(m_uids, o.uid) && in(m_gids, o.gid); }

private:
    struct Range {
        uint64_t first = 0, count = 0;
    };
    static std::vector<Range> read_map(const char* file) {
        std::vector<Range> ranges;
        std::ifstream in(file);
        uint64_t inside = 0, outside = 0, count = 0;
        while (in >> inside >> outside >> count) ranges.push_back({inside, count});
        return ranges;
    }
    static bool in(const std::vector<Range>& ranges, uint32_t id) {
        for (const Range& r : ranges)
            if (id >= r.first && id - r.first < r.count) return true;
        return false;
    }
    std::vector<Range> m_uids, m_gids;
};

const MappedIds& mapped_ids() {
    static const MappedIds ids;  // the namespace is entered before any build starts
    return ids;
}

class DirectCopy {
public:
    DirectCopy(const graph::CopyAction& action, const FileOpInput& source, oci::ContentStore& store,
               const snapshotter::LayerOptions& options, int64_t created_mtime,
               std::optional<snapshotter::Ownership> owner)
        : m_action(action), m_source(source), m_root(source.rootfs), m_store(store), m_options(options),
          m_created_mtime(created_mtime), m_owner(owner),
          m_metadata{owner, action.preserve_owner, action.chmod} {}

    // nullopt: stepped aside before anything was committed.
    std::optional<DirectCopyResult> run() {
        const std::string src = snapshotter::clean_path(m_action.src);
        const Follow follow = m_action.follow_symlinks ? Follow::yes : Follow::no;
        std::optional<RootEntry> entry = find_entry(m_root, src, follow);
        if (!entry) return std::nullopt;  // the snapshot path says "not found"
        std::optional<ContextFilter::Dir> filtered;
        if (m_source.filter != nullptr) {
            filtered = m_source.filter->find(m_root, entry->path);
            if (filtered && m_action.follow_symlinks && src != "/") {
                const std::string link = join_path(m_root.resolve(parent_path(src)), base_name(src));
                if (link != entry->path && !m_source.filter->find(m_root, link)) filtered.reset();
            }
            if (!filtered) return std::nullopt;  // excluded: the snapshot path explains it
        }
        const std::string dest = snapshotter::clean_path(m_action.dest);
        try {
            if (S_ISDIR(entry->st.st_mode)) {
                // The directory's contents go into dest, created (the base is empty).
                add_created_dirs(dest);
                UniqueFd in(::openat(entry->dir.get(), entry->name.c_str(),
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (!in) throw_errno("open", src);
                add_contents(in.get(), src, dest, filtered ? &*filtered : nullptr);
            } else {
                // dest/<basename> when dest is a directory (the root always is), else dest.
                const bool into_dir = m_action.dest_is_dir || dest == "/";
                const std::string dir = into_dir ? dest : parent_path(dest);
                add_created_dirs(dir);
                add_entry(entry->dir.get(), entry->name, src, entry->st,
                          join_path(dir, into_dir ? base_name(src) : base_name(dest)), nullptr);
            }
        } catch (const StepAside&) {
            return std::nullopt;
        }
        DirectCopyResult result;
        if (m_builder) result.layer = m_builder->finish();
        return result;
    }

private:
    snapshotter::TarWriter& tar() {
        // The layer starts with its first entry: a copy of nothing writes no blob.
        if (!m_builder) m_builder = std::make_unique<snapshotter::LayerBuilder>(m_store, m_options);
        return m_builder->tar();
    }

    // Every component of `path` ("/" has none), as mkdir_all creates them: 0755, the
    // --chown owner or the process's own, the op's mtime.
    void add_created_dirs(const std::string& path) {
        struct stat st {};
        st.st_mode = S_IFDIR | k_created_dir_mode;
        st.st_nlink = 1;
        st.st_mtim.tv_sec = static_cast<time_t>(m_created_mtime);
        const snapshotter::Ownership owner =
            m_owner.value_or(snapshotter::Ownership{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid())});
        if (!mapped_ids().holds(owner)) throw StepAside{};
        std::string prefix = "/";
        for (const std::string& part : snapshotter::split_path(path)) {
            prefix = join_path(prefix, part);
            tar().add_described(prefix, st, owner.uid, owner.gid, k_created_dir_mode, "", -1, prefix);
        }
    }

    snapshotter::Ownership owner_for(const struct stat& st) const {
        const snapshotter::Ownership o = copied_owner(m_metadata, st);
        if (!mapped_ids().holds(o)) throw StepAside{};
        return o;
    }

    mode_t mode_for(const struct stat& st) const { return copied_mode(m_metadata, st); }

    // Source directory `dir` (named `path`): its entries, by name, under `dest`.
    void add_contents(int dir, const std::string& path, const std::string& dest,
                      const ContextFilter::Dir* filtered) {
        for (const std::string& name : snapshotter::list_directory(dir, path)) {
            const std::string child = join_path(path, name);
            struct stat st {};
            if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("lstat", child);
            std::optional<ContextFilter::Dir> child_filtered;
            if (m_source.filter != nullptr) {
                child_filtered = m_source.filter->enter(*filtered, dir, name, st);
                if (!child_filtered) continue;  // excluded by the source's patterns
            }
            add_entry(dir, name, child, st, join_path(dest, name), child_filtered ? &*child_filtered : nullptr);
        }
    }

    void add_entry(int dir, const std::string& name, const std::string& path, const struct stat& st,
                   const std::string& dest, const ContextFilter::Dir* filtered) {
        const snapshotter::Ownership owner = owner_for(st);
        if (S_ISDIR(st.st_mode)) {
            UniqueFd in(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!in) throw_errno("open", path);
            if (has_xattrs(in.get(), path)) throw StepAside{};
            tar().add_described(dest, st, owner.uid, owner.gid, mode_for(st), "", -1, path);
            add_contents(in.get(), path, dest, filtered);
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd in = open_regular(dir, name, path);
            // The size of what is read comes from the opened file; mode and mtime from the
            // walk's lstat, as the snapshot path sets them.
            struct stat opened {};
            if (::fstat(in.get(), &opened) != 0) throw_errno("stat", path);
            if (has_xattrs(in.get(), path)) throw StepAside{};
            opened.st_mtim = st.st_mtim;
            tar().add_described(dest, opened, owner.uid, owner.gid, mode_for(st), "", in.get(), path);
        } else if (S_ISLNK(st.st_mode)) {
            // Copies make symlinks without xattrs; a symlink's mode is always 0777.
            tar().add_described(dest, st, owner.uid, owner.gid, 0777, read_link_at(dir, name, path), -1, path);
        } else if (S_ISSOCK(st.st_mode)) {
            return;  // copies skip sockets
        } else {
            throw StepAside{};  // devices and FIFOs: mknod, and its errors, in the snapshot
        }
    }

    const graph::CopyAction& m_action;
    const FileOpInput& m_source;
    snapshotter::RootFs m_root;
    oci::ContentStore& m_store;
    const snapshotter::LayerOptions& m_options;
    int64_t m_created_mtime;
    std::optional<snapshotter::Ownership> m_owner;
    CopyMetadata m_metadata;  // the owner and mode rules the snapshot path's copier uses
    std::unique_ptr<snapshotter::LayerBuilder> m_builder;
};

// A --chown the empty base can resolve without account files.
bool numeric_owner(const std::optional<graph::ChownSpec>& chown) {
    if (!chown) return true;
    auto numeric = [](const std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    };
    return numeric(chown->user) && (chown->group.empty() || numeric(chown->group));
}

} // namespace

std::optional<DirectCopyResult> copy_to_layer(const graph::FileOp& op, const std::vector<FileOpInput>& inputs,
                                              oci::ContentStore& store, const snapshotter::LayerOptions& options) {
    if (op.actions.size() != 1 || inputs.empty()) return std::nullopt;
    const auto* copy = std::get_if<graph::CopyAction>(&op.actions.front());
    if (copy == nullptr || copy->unpack_archives || !numeric_owner(copy->chown)) return std::nullopt;
    if (copy->allow_wildcard && has_wildcard(copy->src)) return std::nullopt;
    if (copy->source_input < 1 || static_cast<size_t>(copy->source_input) >= inputs.size()) return std::nullopt;
    // The base must be empty: the layer is then the copy's whole tree.
    if (!snapshotter::list_directory(inputs[0].rootfs).empty()) return std::nullopt;
    snapshotter::RootFs base(inputs[0].rootfs);
    const std::optional<snapshotter::Ownership> owner = resolve_owner(copy->chown, base);
    return DirectCopy(*copy, inputs[static_cast<size_t>(copy->source_input)], store, options,
                      op.created_dir_mtime.value_or(0), owner)
        .run();
}

} // namespace mab::engine::ops
