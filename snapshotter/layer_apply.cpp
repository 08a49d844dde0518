#include "snapshotter/layer_apply.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/entry_writer.hpp"

namespace mab::snapshotter {

namespace {

constexpr std::string_view k_whiteout_prefix = ".wh.";
constexpr std::string_view k_whiteout_meta_prefix = ".wh..wh.";
constexpr std::string_view k_opaque_marker = ".wh..wh..opq";

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string join(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

class Applier {
public:
    Applier(const std::filesystem::path& blob, RootFs& root, const ApplyOptions& options)
        : m_blob(blob), m_root(root), m_display("apply layer " + blob.string()),
          m_writer(root, "/", writer_options(options), m_display) {}

    void run() {
        UniqueFd fd(::open(m_blob.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) throw_errno("open", m_blob.string());
        // OCI layers are tar, tar+gzip or tar+zstd; nothing else is decoded.
        ArchiveReader a(archive_read_new());
        if (!a) throw Error(ErrorKind::internal, "archive_read_new failed");
        archive_read_support_filter_gzip(a.get());
        archive_read_support_filter_zstd(a.get());
        archive_read_support_format_tar(a.get());
        if (archive_read_open_fd(a.get(), fd.get(), 64 * 1024) != ARCHIVE_OK) {
            throw Error(ErrorKind::input, m_display + ": " + archive_error(a.get()));
        }
        struct archive_entry* entry = nullptr;
        for (;;) {
            int r = archive_read_next_header(a.get(), &entry);
            if (r == ARCHIVE_EOF) break;
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
                throw Error(ErrorKind::input, m_display + ": " + archive_error(a.get()));
            }
            m_writer.check_size(a.get());
            apply_entry(a.get(), entry);
        }
        m_writer.finish();
    }

private:
    static EntryWriterOptions writer_options(const ApplyOptions& options) {
        EntryWriterOptions wo;
        wo.max_bytes = options.max_bytes;
        return wo;
    }

    void apply_entry(struct archive* a, struct archive_entry* entry) {
        const char* raw = entry_pathname(entry);
        if (raw == nullptr) m_writer.fail("(unnamed entry)", "entry without a name");
        const std::string name = raw;
        const std::string path = m_writer.target_of(name);
        const std::vector<std::string> parts = split_path(path);
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            if (starts_with(parts[i], k_whiteout_meta_prefix)) return;  // AUFS metadata
        }
        const std::string base = parts.empty() ? "" : parts.back();
        std::string parent = path.substr(0, path.rfind('/'));
        if (parent.empty()) parent = "/";

        if (base == k_opaque_marker) {
            make_opaque(parent);
            return;
        }
        if (starts_with(base, k_whiteout_prefix)) {
            const std::string target = base.substr(k_whiteout_prefix.size());
            // SECURITY.md §A item 9: "/etc/.wh." must not delete /etc.
            if (target.empty() || target == "." || target == "..") {
                m_writer.fail(name, "invalid whiteout: it names no single entry");
            }
            if (starts_with(base, k_whiteout_meta_prefix)) return;  // AUFS metadata
            const std::string victim = join(parent, target);
            m_writer.forget_parent_below(victim);
            drop_lower(victim);
            return;
        }
        std::string written = m_writer.write(a, entry);
        if (!written.empty()) m_added.insert(std::move(written));
    }

    bool added_below(const std::string& path) const {
        const std::string prefix = path == "/" ? "/" : path + "/";
        auto it = m_added.lower_bound(prefix);
        return it != m_added.end() && starts_with(*it, prefix);
    }

    // Removes `path` as far as it is lower content: what this layer wrote (and the
    // directories leading to it) stays.
    void drop_lower(const std::string& path) {
        std::optional<struct stat> st = m_root.lstat(path);
        if (!st) return;
        if (m_added.count(path) == 0 && !added_below(path)) {
            m_root.remove(path);
            return;
        }
        if (!S_ISDIR(st->st_mode)) return;
        clear_lower_children(path);
    }

    void clear_lower_children(const std::string& dir) {
        std::optional<UniqueFd> fd = m_root.open_path_nofollow(dir);
        if (!fd) return;
        for (const std::string& child : list_directory(fd->get(), dir)) drop_lower(join(dir, child));
    }

    // `.wh..wh..opq`: the directory keeps only what this layer puts in it.
    void make_opaque(const std::string& dir) {
        std::optional<struct stat> st = m_root.lstat(dir);
        if (!st || !S_ISDIR(st->st_mode)) return;
        m_writer.forget_parent_below(dir);
        clear_lower_children(dir);
    }

    std::filesystem::path m_blob;
    RootFs& m_root;
    std::string m_display;
    EntryWriter m_writer;
    std::set<std::string> m_added;  // in-root paths this layer wrote
};

} // namespace

void apply_layer(const std::filesystem::path& blob, RootFs& root, const ApplyOptions& options) {
    Applier(blob, root, options).run();
}

} // namespace mab::snapshotter
