// Blobs by digest under `<root>/blobs/sha256/<hex>`: written through a temporary file,
// verified, then renamed into place, so a reader never sees a partial blob; reads are
// verified against the digest they were asked for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/atomic_file.hpp"
#include "oci/background_hash.hpp"
#include "oci/descriptor.hpp"
#include "oci/digest.hpp"

namespace mab::oci {

class ContentStore {
public:
    explicit ContentStore(std::filesystem::path root);

    // A streaming writer: write() any number of times, then commit() to get the
    // digest and size. Destroying an uncommitted writer leaves nothing behind.
    class Writer {
    public:
        explicit Writer(ContentStore& store);
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;
        ~Writer();
        void write(const void* data, size_t size);
        void write(std::string_view data) { write(data.data(), data.size()); }
        uint64_t bytes() const;
        // Publishes the blob; if `expected` is given and differs, throws Error(input).
        Descriptor commit(std::string media_type, const std::optional<Digest>& expected = {});

    private:
        ContentStore& m_store;
        std::unique_ptr<AtomicFile> m_file;
        BackgroundSha256 m_hash;  // a large blob is hashed beside its writing
    };

    bool has(const Digest& digest) const;
    std::filesystem::path path_of(const Digest& digest) const;
    std::optional<int64_t> size_of(const Digest& digest) const;

    // Writes a small in-memory blob (JSON documents).
    Descriptor put(std::string_view data, std::string media_type);
    // Reads a blob into memory (JSON documents only: refuses blobs over `max_size`),
    // verifying its digest. Throws Error(not_found) if absent, Error(io) if corrupt.
    std::string get(const Digest& digest, int64_t max_size = 16 << 20) const;
    // Re-hashes a blob on disk; false if missing or corrupt.
    bool verify(const Digest& digest) const;

    // One published blob as found on disk (for `mab du` and `mab prune`).
    struct BlobInfo {
        Digest digest;
        int64_t size = 0;
        int64_t mtime = 0;  // seconds since the epoch: when it was written
    };
    // Every published blob, in no particular order; names that are not digests are skipped.
    std::vector<BlobInfo> list() const;
    // Removes a published blob; false if it was not there. Callers must make sure no
    // one still needs it (prune holds the storage root's exclusive lock).
    bool remove(const Digest& digest);

    const std::filesystem::path& root() const { return m_root; }

private:
    std::filesystem::path m_root;
};

} // namespace mab::oci
