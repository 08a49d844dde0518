#include "engine/ops/cache_mount_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/format.hpp"
#include "base/temp_dir.hpp"

namespace mab::engine::ops {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_meta_file = "meta.json";
constexpr const char* k_removing_prefix = ".removing-";

UniqueFd open_dir(const fs::path& dir) {
    return UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
}

// Whether `fd` (a directory we hold a lock on) is still the one at `dir`: a removal
// renames the directory away before deleting it.
bool still_at(int fd, const fs::path& dir) {
    struct stat held {}, named {};
    if (::fstat(fd, &held) != 0 || ::lstat(dir.c_str(), &named) != 0) return false;
    return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

std::string meta_to_json(const CacheMountMeta& meta) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("created");
    w.Int64(meta.created);
    w.Key("description");
    w.String(meta.description.c_str(), static_cast<rapidjson::SizeType>(meta.description.size()));
    w.Key("id");
    w.String(meta.id.c_str(), static_cast<rapidjson::SizeType>(meta.id.size()));
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

// The metadata in `path`; nullopt when it is missing or not what mark_cache_mount_used writes.
std::optional<CacheMountMeta> read_meta(const fs::path& path) {
    std::string text;
    try {
        text = read_file(path);
    } catch (const Error&) {
        return std::nullopt;
    }
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    CacheMountMeta meta;
    if (doc.HasMember("id") && doc["id"].IsString()) meta.id = doc["id"].GetString();
    if (doc.HasMember("description") && doc["description"].IsString())
        meta.description = doc["description"].GetString();
    if (doc.HasMember("created") && doc["created"].IsInt64()) meta.created = doc["created"].GetInt64();
    return meta;
}

// Bytes on disk under `dir` (blocks, as du counts them), each inode once. Entries that
// vanish or cannot be read while a RUN writes are skipped.
int64_t disk_usage(const fs::path& dir) {
    int64_t bytes = 0;
    std::set<std::pair<dev_t, ino_t>> seen;
    auto count = [&](const fs::path& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) return;
        if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen.insert({st.st_dev, st.st_ino}).second) return;
        bytes += static_cast<int64_t>(st.st_blocks) * 512;
    };
    count(dir);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
        count(it->path());
    return bytes;
}

int64_t mtime_of(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

bool is_cache_mount_name(const std::string& name) {
    return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

UniqueFd hold_cache_mount_dir(const fs::path& dir, const std::function<bool()>& cancelled) {
    for (;;) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw Error(ErrorKind::io, fmt::format("create cache mount directory {}: {}", dir, ec.message()));
        UniqueFd fd = open_dir(dir);
        if (!fd) {
            if (errno == ENOENT) continue;  // removed between the two calls
            throw_errno("open", dir.string());
        }
        // Shared with every other RUN; only a removal takes it exclusively, briefly.
        while (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) throw_errno("flock", dir.string());
            if (cancelled && cancelled()) throw Error(ErrorKind::cancelled, "build cancelled");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (still_at(fd.get(), dir)) return fd;
        // A removal took this directory away while we waited: make a new one.
    }
}

void mark_cache_mount_used(const fs::path& dir, const CacheMountMeta& meta) {
    const fs::path path = dir / k_meta_file;
    try {
        if (::access(path.c_str(), F_OK) != 0) write_file_atomically(path, meta_to_json(meta), 0600);
    } catch (const Error&) {
        return;
    }
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // now
}

std::vector<cache::CacheMountEntry> list_cache_mounts(const fs::path& cache_root) {
    std::vector<cache::CacheMountEntry> out;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(cache_root, ec)) {
        const std::string name = e.path().filename().string();
        std::error_code type_ec;
        if (!is_cache_mount_name(name) || !e.is_directory(type_ec)) continue;
        cache::CacheMountEntry entry;
        entry.name = name;
        const std::optional<CacheMountMeta> meta = read_meta(e.path() / k_meta_file);
        if (meta) {
            entry.id = meta->id;
            entry.description = meta->description;
            entry.created = meta->created;
            entry.last_used = mtime_of(e.path() / k_meta_file);
        } else {
            entry.created = entry.last_used = mtime_of(e.path());
        }
        // In use when its directory lock cannot be taken exclusively (released at once).
        UniqueFd fd = open_dir(e.path());
        entry.in_use = fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        fd.reset();
        entry.size = disk_usage(e.path());
        out.push_back(std::move(entry));
    }
    return out;
}

bool remove_cache_mount(const fs::path& cache_root, const std::string& name) {
    const fs::path dir = cache_root / name;
    UniqueFd fd = open_dir(dir);
    if (!fd) return false;  // gone already
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return false;  // a RUN holds it
        throw_errno("flock", dir.string());
    }
    if (!still_at(fd.get(), dir)) return false;  // another removal was first
    // Out of the way first (one rename, over an empty directory of our own), so a RUN
    // starting now makes a new cache instead of using a half-deleted one.
    TempDir away(cache_root, k_removing_prefix);
    if (::rename(dir.c_str(), away.path().c_str()) != 0) throw_errno("rename", dir.string());
    remove_tree_forcefully(away.release());
    return true;
}

void remove_abandoned_cache_mounts(const fs::path& cache_root) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(cache_root, ec)) {
        if (e.path().filename().string().rfind(k_removing_prefix, 0) != 0) continue;
        // A removal under way holds the lock of the directory it renamed here.
        UniqueFd fd = open_dir(e.path());
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
        remove_tree_forcefully(e.path());
    }
}

} // namespace mab::engine::ops
