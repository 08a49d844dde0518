// Streaming compressors for layer blobs: a Sink receives bytes; a compressor is a Sink
// that forwards compressed bytes to another Sink. Nothing holds a whole layer.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mab::oci {

class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(const void* data, size_t size) = 0;
    // Flushes everything; no write() may follow.
    virtual void finish() = 0;
};

enum class Compression { none, gzip, zstd };

// "gzip" | "zstd" | "uncompressed"; anything else throws Error(usage) with a hint.
Compression parse_compression(std::string_view name);
std::string compression_name(Compression c);

// The compressor's finish() writes the stream's end to `out` but does not finish `out`
// (its owner does, as Go's gzip.Writer.Close leaves the underlying writer open).
// level: nullopt means the format's default (gzip 1 — BestSpeed, as go-containerregistry's
// layers; zstd 3).
// gzip output is deterministic: no name, mtime 0, OS byte 255 ("unknown").
// Levels: gzip 0-9, zstd 0-22 (0 = zstd's default); others throw Error(usage).
std::unique_ptr<Sink> make_compressor(Compression c, std::optional<int> level, Sink& out);

} // namespace mab::oci
