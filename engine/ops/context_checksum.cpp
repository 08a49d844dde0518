#include "engine/ops/context_checksum.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "engine/ops/wildcard.hpp"

namespace mab::engine::ops {

namespace fs = std::filesystem;

namespace {

int64_t nanoseconds(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec; }

std::vector<std::string> sorted_names(int dir_fd) {
    std::vector<std::string> names;
    int fd = ::dup(dir_fd);
    if (fd < 0) throw_errno("dup", "context directory");
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        throw_errno("fdopendir", "context directory");
    }
    ::rewinddir(dir);
    while (const dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

class Hasher {
public:
    Hasher(const ContextFilter* filter, StatCache& cache) : m_filter(filter), m_cache(cache) {}

    // Entry `name` of the open directory `parent_fd` at `path` (relative to the root).
    void entry(int parent_fd, const ContextFilter::Dir& parent, const std::string& name, const std::string& path) {
        struct stat st {};
        if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            m_hash.update(fmt::format("missing {}\n", path));
            return;
        }
        std::optional<ContextFilter::Dir> dir = ContextFilter::root();
        if (m_filter != nullptr) {
            dir = m_filter->enter(parent, parent_fd, name, st);
            if (!dir) return;
        }
        m_hash.update(fmt::format("{}\n{:o} {}\n", path, st.st_mode & (S_IFMT | 07777), S_ISREG(st.st_mode) ? st.st_size : 0));
        if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(parent_fd, name.c_str(), target.data(), target.size());
            if (n >= 0) m_hash.update(target.substr(0, static_cast<size_t>(n)) + "\n");
        } else if (S_ISREG(st.st_mode)) {
            auto open = [&] { return ::openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC); };
            m_hash.update(m_cache.digest_of(path, st, open).str() + "\n");
        } else if (S_ISDIR(st.st_mode)) {
            UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd) throw_errno("open", path);
            directory(fd.get(), *dir, path);
        }
    }

    void directory(int fd, const ContextFilter::Dir& dir, const std::string& path) {
        for (const std::string& name : sorted_names(fd)) entry(fd, dir, name, path + "/" + name);
    }

    void update(std::string_view text) { m_hash.update(text); }
    oci::Digest finish() { return m_hash.finish(); }

private:
    const ContextFilter* m_filter;
    StatCache& m_cache;
    oci::Sha256 m_hash;
};

// The components of `src` (cleaned, absolute) up to the first with a wildcard.
std::vector<std::string> literal_prefix(std::string_view src) {
    std::vector<std::string> parts;
    for (const fs::path& part : fs::path(std::string(src)).lexically_normal().relative_path()) {
        std::string p = part.string();
        if (p.empty() || p == ".") continue;
        if (p == ".." || has_wildcard(p)) break;
        parts.push_back(p);
    }
    return parts;
}

} // namespace

StatCache::StatCache(fs::path file) : m_file(std::move(file)) {
    std::string text;
    try {
        text = read_file(m_file);
    } catch (const std::exception&) {
        return;
    }
    // One entry a line: "<path length> <path> <ino> <size> <mtime ns> <ctime ns> <digest>".
    std::istringstream in(text);
    size_t length = 0;
    while (in >> length) {
        in.get();
        std::string path(length, '\0');
        if (!in.read(path.data(), static_cast<std::streamsize>(length))) break;
        Entry e;
        if (!(in >> e.ino >> e.size >> e.mtime_ns >> e.ctime_ns >> e.digest)) break;
        m_loaded[path] = e;
    }
}

oci::Digest StatCache::digest_of(const std::string& path, const struct stat& st, const std::function<int()>& open) {
    Entry now{st.st_ino, static_cast<uint64_t>(st.st_size), nanoseconds(st.st_mtim), nanoseconds(st.st_ctim), ""};
    {
        std::lock_guard lock(m_mutex);
        auto found = m_loaded.find(path);
        if (found != m_loaded.end() && found->second.ino == now.ino && found->second.size == now.size &&
            found->second.mtime_ns == now.mtime_ns && found->second.ctime_ns == now.ctime_ns) {
            try {
                oci::Digest digest = oci::Digest::parse(found->second.digest);
                m_seen[path] = found->second;
                return digest;
            } catch (const Error&) {
            }
        }
    }
    UniqueFd fd(open());
    if (!fd) throw_errno("open", path);
    oci::Sha256 hash;
    std::vector<char> buffer(1 << 16);
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read", path);
        if (n == 0) break;
        hash.update(buffer.data(), static_cast<size_t>(n));
    }
    oci::Digest digest = hash.finish();
    now.digest = digest.str();
    std::lock_guard lock(m_mutex);
    m_seen[path] = now;
    m_changed = true;
    return digest;
}

void StatCache::save() {
    std::lock_guard lock(m_mutex);
    if (!m_changed && m_seen.size() == m_loaded.size()) return;
    // Entries of this build's walks, plus older ones not walked this time (other COPYs).
    for (const auto& [path, e] : m_loaded) m_seen.emplace(path, e);
    std::string out;
    for (const auto& [path, e] : m_seen)
        out += fmt::format("{} {} {} {} {} {} {}\n", path.size(), path, e.ino, e.size, e.mtime_ns, e.ctime_ns, e.digest);
    fs::create_directories(m_file.parent_path());
    write_file_atomically(m_file, out, 0600);
    m_loaded = m_seen;
    m_changed = false;
}

oci::Digest checksum_selection(const fs::path& root, const ContextFilter* filter, std::string_view src,
                               StatCache& stat_cache) {
    Hasher hasher(filter, stat_cache);
    UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open", root.string());
    ContextFilter::Dir walk = ContextFilter::root();
    std::string path;
    const std::vector<std::string> parts = literal_prefix(src);
    for (size_t i = 0; i < parts.size(); ++i) {
        struct stat st {};
        if (::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            hasher.update("missing " + path + "/" + parts[i] + "\n");
            return hasher.finish();
        }
        if (S_ISLNK(st.st_mode)) {
            // A copy resolves links inside the source, wherever they point: the whole
            // filtered source decides then.
            Hasher whole(filter, stat_cache);
            UniqueFd top(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!top) throw_errno("open", root.string());
            whole.update("whole\n");
            whole.directory(top.get(), ContextFilter::root(), "");
            return whole.finish();
        }
        if (!S_ISDIR(st.st_mode) || i + 1 == parts.size()) {
            hasher.entry(dir.get(), walk, parts[i], path + "/" + parts[i]);
            return hasher.finish();
        }
        if (filter != nullptr) {
            std::optional<ContextFilter::Dir> next = filter->enter(walk, dir.get(), parts[i], st);
            if (!next) {
                hasher.update("excluded " + path + "/" + parts[i] + "\n");
                return hasher.finish();
            }
            walk = *next;
        }
        UniqueFd child(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child) throw_errno("open", root.string() + path + "/" + parts[i]);
        dir = std::move(child);
        path += "/" + parts[i];
    }
    hasher.directory(dir.get(), walk, path);
    return hasher.finish();
}

} // namespace mab::engine::ops
