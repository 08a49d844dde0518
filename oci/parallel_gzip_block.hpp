// How one block of a parallel gzip stream (oci/parallel_gzip.hpp) becomes raw deflate
// bytes. Every block starts and ends on a byte boundary (a sync flush, or stored blocks,
// which are byte aligned by definition), so the pieces can be concatenated in order
// whatever way each was made; only the stream's last block carries BFINAL.
#pragma once

#include <cstddef>
#include <vector>

namespace mab::oci {

enum class BlockKind {
    uniform,         // every byte the same value: compressed once per stream, reused
    incompressible,  // bytes as evenly spread as random data: stored, not deflated
    ordinary,        // everything else: deflated, primed with the previous 32 KiB
};

// Decided from the bytes alone (integer arithmetic, no floating point), so the same
// block is classified the same way on every machine and the output stays reproducible.
BlockKind classify_block(const unsigned char* data, size_t size);

// Appends `size` bytes as deflate stored blocks (BTYPE 00, at most 65535 bytes each,
// LEN and NLEN), the last one with BFINAL if `last`. Must start on a byte boundary.
void append_stored(std::vector<unsigned char>& out, const unsigned char* data, size_t size, bool last);

// Appends the raw deflate of `data` at `level`, primed with `dictionary` (may be empty),
// ended with a sync flush, or with the final block if `last`. Throws Error on a zlib
// failure.
void append_deflated(std::vector<unsigned char>& out, int level, const std::vector<unsigned char>& dictionary,
                     const unsigned char* data, size_t size, bool last);

} // namespace mab::oci
