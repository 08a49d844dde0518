#include "oci/content_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/unique_fd.hpp"

namespace mab::oci {

namespace {

namespace fs = std::filesystem;

constexpr unsigned k_blob_mode = 0444; // published blobs are never modified in place

// Creates `dir` and any missing parents with mode 0700; existing ones are left alone.
void make_private_dirs(const fs::path& dir) {
    fs::path partial;
    for (const fs::path& part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            throw_errno("mkdir", partial.string());
        }
    }
}

// Opens a blob for reading; an empty fd if it does not exist.
UniqueFd open_blob(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno != ENOENT) throw_errno("open", path.string());
    return fd;
}

// Reads the rest of `fd`, feeding `hash` and, if given, appending to `out`.
void read_all(int fd, const fs::path& path, Sha256& hash, std::string* out) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read", path.string());
        }
        if (n == 0) return;
        hash.update(buf, static_cast<size_t>(n));
        if (out != nullptr) out->append(buf, static_cast<size_t>(n));
    }
}

void require_sha256(const Digest& digest) {
    if (digest.algorithm() != "sha256") {
        throw Error(ErrorKind::input,
                    fmt::format("blob {}: only sha256 blobs can be stored", digest.str()));
    }
}

} // namespace

ContentStore::ContentStore(std::filesystem::path root) : m_root(std::move(root)) {}

ContentStore::Writer::Writer(ContentStore& store) : m_store(store) {
    fs::path ingest = store.m_root / "ingest";
    make_private_dirs(ingest);
    // AtomicFile puts its temporary beside this (never used) target, i.e. under ingest/,
    // on the same filesystem as blobs/ so that publishing is a link or rename.
    m_file = std::make_unique<AtomicFile>(ingest / "blob", k_blob_mode);
}

ContentStore::Writer::~Writer() = default; // an uncommitted AtomicFile removes its temporary

void ContentStore::Writer::write(const void* data, size_t size) {
    if (!m_file) throw Error(ErrorKind::internal, "ContentStore::Writer: write after commit");
    m_file->write(data, size);
    m_hash.update(data, size);
}

uint64_t ContentStore::Writer::bytes() const {
    return m_hash.bytes();
}

Descriptor ContentStore::Writer::commit(std::string media_type,
                                        const std::optional<Digest>& expected) {
    if (!m_file) throw Error(ErrorKind::internal, "ContentStore::Writer: commit called twice");
    std::unique_ptr<AtomicFile> file = std::move(m_file); // the temporary goes when we return
    Descriptor desc;
    desc.media_type = std::move(media_type);
    desc.size = static_cast<int64_t>(m_hash.bytes());
    desc.digest = m_hash.finish();
    if (expected && *expected != desc.digest) {
        throw Error(ErrorKind::input,
                    fmt::format("blob digest mismatch: expected {}, got {} ({} bytes)",
                                expected->str(), desc.digest.str(), desc.size));
    }

    fs::path target = m_store.path_of(desc.digest);
    if (::fsync(file->fd()) != 0) throw_errno("fsync", file->temp_path().string());
    make_private_dirs(target.parent_path());
    // link() publishes without replacing: if the blob is already there (another writer
    // got there first) we keep it and our temporary is simply dropped.
    if (::link(file->temp_path().c_str(), target.c_str()) != 0) {
        if (errno == EEXIST) return desc;
        // Filesystems without hard links: rename, which may replace an identical blob.
        if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK) {
            throw_errno("link", target.string());
        }
        if (::rename(file->temp_path().c_str(), target.c_str()) != 0) {
            throw_errno("rename", target.string());
        }
    }
    UniqueFd dir(::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
    return desc;
}

bool ContentStore::has(const Digest& digest) const {
    struct stat st {};
    return ::stat(path_of(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::filesystem::path ContentStore::path_of(const Digest& digest) const {
    if (digest.empty()) throw Error(ErrorKind::internal, "ContentStore: empty digest");
    // Digest's grammar guarantees these are plain names (no '/', no "..").
    return m_root / "blobs" / std::string(digest.algorithm()) / std::string(digest.hex());
}

std::optional<int64_t> ContentStore::size_of(const Digest& digest) const {
    struct stat st {};
    if (::stat(path_of(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<int64_t>(st.st_size);
}

Descriptor ContentStore::put(std::string_view data, std::string media_type) {
    Writer writer(*this);
    writer.write(data);
    return writer.commit(std::move(media_type));
}

std::string ContentStore::get(const Digest& digest, int64_t max_size) const {
    require_sha256(digest);
    fs::path path = path_of(digest);
    UniqueFd fd = open_blob(path);
    if (!fd) {
        throw Error(ErrorKind::not_found,
                    fmt::format("blob {} not found in {}", digest.str(), m_root));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("fstat", path.string());
    if (st.st_size > max_size) {
        throw Error(ErrorKind::input, fmt::format("blob {} is {} bytes, more than the {} allowed",
                                                  digest.str(), st.st_size, max_size));
    }
    std::string data;
    data.reserve(static_cast<size_t>(st.st_size));
    Sha256 hash;
    read_all(fd.get(), path, hash, &data);
    Digest actual = hash.finish();
    if (actual != digest) {
        throw Error(ErrorKind::io, fmt::format("blob {} is corrupt: its content hashes to {} ({})",
                                               digest.str(), actual.str(), path));
    }
    return data;
}

std::vector<ContentStore::BlobInfo> ContentStore::list() const {
    std::vector<BlobInfo> out;
    const fs::path dir = m_root / "blobs" / "sha256";
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
        std::optional<Digest> digest;
        try {
            digest = Digest::parse("sha256:" + entry.path().filename().string());
        } catch (const Error&) {
            continue;  // not a blob (a stray file); never ours to count or remove
        }
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        out.push_back(BlobInfo{*digest, static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec)});
    }
    if (ec && ec != std::errc::no_such_file_or_directory) throw_errno_code(ec.value(), "read directory", dir.string());
    return out;
}

bool ContentStore::remove(const Digest& digest) {
    const fs::path path = path_of(digest);
    if (::unlink(path.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw_errno("remove", path.string());
}

bool ContentStore::verify(const Digest& digest) const {
    if (digest.algorithm() != "sha256") return false;
    fs::path path = path_of(digest);
    UniqueFd fd = open_blob(path);
    if (!fd) return false;
    Sha256 hash;
    read_all(fd.get(), path, hash, nullptr);
    return hash.finish() == digest;
}

} // namespace mab::oci
