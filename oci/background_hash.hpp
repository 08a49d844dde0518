// SHA-256 on a thread of its own, for streams large enough that hashing them on the
// thread that reads and compresses them would make it the slowest link (a 1 GiB layer:
// half a second of hashing on top of reading it and feeding the compressor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "oci/digest.hpp"

namespace mab::oci {

class BackgroundSha256 {
public:
    BackgroundSha256();
    ~BackgroundSha256();
    BackgroundSha256(const BackgroundSha256&) = delete;
    BackgroundSha256& operator=(const BackgroundSha256&) = delete;

    // Copies the bytes into a batch; full batches are hashed by the thread, in order,
    // while the caller goes on. The thread starts with the first full batch, so a small
    // stream is hashed where it is written.
    void update(const void* data, size_t size);
    uint64_t bytes() const { return m_bytes; }
    // Waits for the thread and finishes the hash; no update afterwards.
    Digest finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    uint64_t m_bytes = 0;
};

} // namespace mab::oci
