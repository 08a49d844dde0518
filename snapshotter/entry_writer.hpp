// Writing tar entries into a RootFs: the per-entry logic shared by ADD's extraction
// (archive_extract) and layer application (layer_apply). libarchive only parses; every
// write goes through fds opened inside the root, final components are created with
// O_NOFOLLOW / O_EXCL semantics and metadata is set through fds (SECURITY.md §A).
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <time.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::snapshotter {

struct ArchiveReadDeleter {
    void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<struct archive, ArchiveReadDeleter>;

// libarchive's message for the last error of `a`.
std::string archive_error(struct archive* a);
// The entry's name (PAX names are UTF-8; in the C locale only the _utf8 getter has
// them), nullptr if it has none.
const char* entry_pathname(struct archive_entry* entry);
const char* entry_hardlink(struct archive_entry* entry);

struct EntryWriterOptions {
    std::optional<Ownership> chown;        // override owners of every entry
    bool preserve_owners = true;           // else entries get 0:0 (or chown)
    std::optional<int64_t> clamp_mtime;    // SOURCE_DATE_EPOCH
    std::optional<uint64_t> max_bytes;     // cap on the uncompressed stream (filter 0)
};

class EntryWriter {
public:
    // Entries land below the in-root directory `dest`; `display` (the archive) prefixes
    // error messages.
    EntryWriter(RootFs& root, std::string dest, EntryWriterOptions options, std::string display);

    // The in-root path of an archive name: cleaned as if the archive's root were "/",
    // so no "../" leaves `dest`; symlinks are resolved later, inside the root.
    std::string target_of(const std::string& name) const;
    const std::string& dest() const { return m_dest; }
    RootFs& root() { return m_root; }

    // Writes `entry` (its data read from `a`) at target_of(its name): an existing entry
    // there is replaced unless both are directories (they merge). An entry for `dest`
    // itself is skipped if it is a directory and refused otherwise (umoci
    // CVE-2021-29136). Returns the in-root path written, or "" if skipped.
    std::string write(struct archive* a, struct archive_entry* entry);

    // Checks the uncompressed bytes read so far against options.max_bytes.
    void check_size(struct archive* a) const;

    // The directory holding `path`, created if missing; the fd stays valid (and inside
    // the root) whatever later entries do to names.
    const UniqueFd& parent_dir(const std::string& path);
    // Drops the cached parent if `path` is it or one of its ancestors (it may be
    // replaced or removed).
    void forget_parent_below(const std::string& path);

    // Sets the directory mtimes, which later entries changed; call after all entries.
    void finish();

    [[noreturn]] void fail(const std::string& entry, const std::string& why) const;

private:
    struct PendingTime {
        std::string path;
        struct timespec mtime;
    };

    Ownership owner_of(struct archive_entry* entry) const;
    struct timespec mtime_of(struct archive_entry* entry) const;
    void clear_existing(int dirfd, const std::string& base, const std::string& path, bool is_dir);
    void make_hardlink(int dirfd, const std::string& base, const std::string& name,
                       const std::string& link);
    void write_file(struct archive* a, struct archive_entry* entry, int dirfd,
                    const std::string& base, const std::string& path, Ownership owner, mode_t perm,
                    struct timespec mtime);
    void make_directory(struct archive_entry* entry, int dirfd, const std::string& base,
                        const std::string& path, Ownership owner, mode_t perm,
                        struct timespec mtime);
    void finish_node(int dirfd, const std::string& base, const std::string& path, Ownership owner,
                     std::optional<mode_t> perm, struct timespec mtime);

    RootFs& m_root;
    std::string m_dest;
    EntryWriterOptions m_options;
    std::string m_display;
    std::vector<PendingTime> m_dir_times;
    std::string m_parent_path;
    UniqueFd m_parent_fd;
};

} // namespace mab::snapshotter
