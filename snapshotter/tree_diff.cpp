// The double walk of containerd's fs.Changes: both trees are read directory by
// directory in name order and merged; what only the lower tree has becomes a
// whiteout (one for a whole deleted directory), what only the upper tree has is added
// with everything below it, and what both have is compared with same_entry().
#include "snapshotter/tree_diff.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "base/error.hpp"
#include "snapshotter/dir_entries.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/file_meta.hpp"
#include "snapshotter/diff_writer.hpp"

namespace mab::snapshotter {

namespace {

namespace fs = std::filesystem;

constexpr size_t k_chunk = 64 * 1024;


struct stat lstat_path(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) throw_errno("lstat", p.string());
    return st;
}

std::string read_link(const fs::path& p, const struct stat& st) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0) throw_errno("readlink", p.string());
    target.resize(static_cast<size_t>(n));
    return target;
}

bool same_content(const fs::path& a, const fs::path& b) {
    UniqueFd fa(::open(a.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fa) throw_errno("open", a.string());
    UniqueFd fb(::open(b.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fb) throw_errno("open", b.string());
    std::vector<char> ba(k_chunk);
    std::vector<char> bb(k_chunk);
    for (;;) {
        ssize_t na = ::read(fa.get(), ba.data(), ba.size());
        if (na < 0) throw_errno("read", a.string());
        size_t got = 0;
        while (got < static_cast<size_t>(na)) {
            ssize_t nb = ::read(fb.get(), bb.data() + got, static_cast<size_t>(na) - got);
            if (nb < 0) throw_errno("read", b.string());
            if (nb == 0) return false;
            got += static_cast<size_t>(nb);
        }
        if (na == 0) {
            char extra = 0;
            return ::read(fb.get(), &extra, 1) == 0;
        }
        if (std::memcmp(ba.data(), bb.data(), static_cast<size_t>(na)) != 0) return false;
    }
}

} // namespace

bool same_entry(const fs::path& lp, const struct stat& l, const fs::path& up, const struct stat& u) {
    if (l.st_mode != u.st_mode || l.st_uid != u.st_uid || l.st_gid != u.st_gid) return false;
    if ((S_ISCHR(l.st_mode) || S_ISBLK(l.st_mode)) && l.st_rdev != u.st_rdev) return false;
    if (!S_ISDIR(l.st_mode) && l.st_size != u.st_size) return false;
    if (l.st_mtim.tv_sec != u.st_mtim.tv_sec || l.st_mtim.tv_nsec != u.st_mtim.tv_nsec) return false;
    if (read_xattrs(lp.string()) != read_xattrs(up.string())) return false;
    if (S_ISLNK(l.st_mode)) return read_link(lp, l) == read_link(up, u);
    // Whole-second times may come from an archive that truncated them: a rewrite
    // within the same second would not show, so look at the bytes.
    if (S_ISREG(l.st_mode) && l.st_mtim.tv_nsec == 0) return same_content(lp, up);
    return true;
}

namespace {

class Differ {
public:
    Differ(const fs::path& upper, oci::ContentStore& store, const LayerOptions& options)
        : m_upper(upper), m_out(upper, store, options) {}

    // Both trees have directory `rel` ("" for the roots).
    void walk_both(const fs::path& lower, const std::string& rel) {
        std::vector<std::string> ln = list_directory(lower / rel);
        std::vector<std::string> un = list_directory(m_upper / rel);
        size_t i = 0;
        size_t j = 0;
        while (i < ln.size() || j < un.size()) {
            int cmp = i == ln.size() ? 1 : j == un.size() ? -1 : ln[i].compare(un[j]);
            if (cmp < 0) {
                m_out.add_whiteout(DiffWriter::join(rel, ln[i++]));
            } else if (cmp > 0) {
                add_new(DiffWriter::join(rel, un[j++]));
            } else {
                compare(lower, DiffWriter::join(rel, un[j]));
                ++i;
                ++j;
            }
        }
    }

    std::optional<Layer> finish() { return m_out.finish(); }

    // Upper has `rel` and everything below it as new.
    void add_new(const std::string& rel) {
        struct stat st = lstat_path(m_upper / rel);
        if (!S_ISDIR(st.st_mode)) {
            m_out.add(rel);
            return;
        }
        m_out.enter_dir(rel, true);
        for (const std::string& n : list_directory(m_upper / rel)) add_new(DiffWriter::join(rel, n));
        m_out.leave_dir();
    }

private:
    void compare(const fs::path& lower, const std::string& rel) {
        struct stat l = lstat_path(lower / rel);
        struct stat u = lstat_path(m_upper / rel);
        if ((l.st_mode & S_IFMT) != (u.st_mode & S_IFMT)) {
            // A different type replaces the old entry; appliers remove what is there.
            add_new(rel);
        } else if (S_ISDIR(u.st_mode)) {
            m_out.enter_dir(rel, !same_entry(lower / rel, l, m_upper / rel, u));
            walk_both(lower, rel);
            m_out.leave_dir();
        } else if (!same_entry(lower / rel, l, m_upper / rel, u)) {
            m_out.add(rel);
        }
    }

    fs::path m_upper;
    DiffWriter m_out;
};

} // namespace

std::optional<Layer> diff_trees(const std::optional<std::filesystem::path>& lower,
                                const std::filesystem::path& upper, oci::ContentStore& store,
                                const LayerOptions& options) {
    Differ differ(upper, store, options);
    if (lower) {
        differ.walk_both(*lower, "");
    } else {
        for (const std::string& n : list_directory(upper)) differ.add_new(n);
    }
    return differ.finish();
}

} // namespace mab::snapshotter
