#include "oci/parallel_gzip_block.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "base/error.hpp"

namespace mab::oci {

namespace {

constexpr size_t k_max_stored = 65535;

// Blocks smaller than this (only ever a stream's last block) are always deflated: the
// estimate below gets less sure as blocks shrink, and deflating a few KiB costs nothing.
constexpr size_t k_min_judged = 64 * 1024;

// Byte counts, in four interleaved tables so consecutive equal bytes do not wait on
// each other's increment.
std::array<uint64_t, 256> histogram(const unsigned char* data, size_t size) {
    std::array<std::array<uint32_t, 256>, 4> part{};
    size_t i = 0;
    for (; i + 4 <= size; i += 4) {
        ++part[0][data[i]];
        ++part[1][data[i + 1]];
        ++part[2][data[i + 2]];
        ++part[3][data[i + 3]];
    }
    for (; i < size; ++i) ++part[0][data[i]];
    std::array<uint64_t, 256> counts{};
    for (const auto& p : part)
        for (size_t b = 0; b < 256; ++b) counts[b] += p[b];
    return counts;
}

// Whether the byte distribution is as flat as random data's. The statistic is Pearson's
// chi-square against the flat distribution, X = (256 * sum(c^2) - N^2) / N: for random
// bytes it follows chi-square with 255 degrees of freedom (mean 255, sd 22.6), and
// X / (2 N ln 2) is, near flat, how far the order-0 entropy falls short of 8 bits a byte.
// We store when X <= 255 + N/144, that is when the entropy, corrected for the estimate's
// bias, is within 0.005 bits of 8: Huffman coding of literals can then save at most
// 0.06%, and only long repeats could save more.
// Measured on 256 KiB blocks (zlib 1.2.13, level 1, each primed with the previous 32 KiB):
// - /dev/urandom, 256 blocks: X 186..317, limit 2075: all stored (deflate gave 1.0003).
// - a 200 MB tar of /usr/lib/x86_64-linux-gnu, 763 blocks: X >= 518,453: none stored.
// - `seq` text: X >= 1.49 million: none stored.
// - 144 MB of already compressed files (.gz, .png, .jpg, .whl, .zip, .woff2), 550
//   blocks: 278 stored; deflate would have made those 0.42% smaller (the worst single
//   block 8.7%), at 50 MB/s a core instead of memcpy speed. The others are deflated.
// Lower limits (N/300: 175 of 550 stored, 0.07% lost) give back little for the speed;
// higher ones (N/80: 336 stored, 0.62% lost) start storing blocks with real structure.
// At 64 KiB, the smallest block judged, the limit is 710, still 20 sd above random's mean.
bool looks_random(const std::array<uint64_t, 256>& counts, size_t size) {
    const uint64_t n = size;
    uint64_t squares = 0;
    for (uint64_t c : counts) squares += c * c;
    // X <= 255 + N/144, multiplied by 144 N to stay in integers (no overflow while
    // 144 * 256 * N^2 < 2^64, i.e. for blocks up to 16 MiB).
    return 144 * (256 * squares - n * n) <= 144 * 255 * n + n * n;
}

} // namespace

BlockKind classify_block(const unsigned char* data, size_t size) {
    // An overlapping compare: every byte equals its successor.
    if (size > 0 && std::memcmp(data, data + 1, size - 1) == 0) return BlockKind::uniform;
    if (size < k_min_judged) return BlockKind::ordinary;
    return looks_random(histogram(data, size), size) ? BlockKind::incompressible : BlockKind::ordinary;
}

void append_stored(std::vector<unsigned char>& out, const unsigned char* data, size_t size, bool last) {
    // On a byte boundary the 3 header bits (BFINAL, BTYPE 00) and the padding up to the
    // next byte make one whole byte, so each stored block ends on a byte boundary too.
    out.reserve(out.size() + size + 5 * (size / k_max_stored + 1));
    do {
        const size_t n = std::min(size, k_max_stored);
        const bool final = last && n == size;
        const unsigned char header[5] = {static_cast<unsigned char>(final ? 1 : 0),
                                         static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                                         static_cast<unsigned char>(~n), static_cast<unsigned char>(~n >> 8)};
        out.insert(out.end(), header, header + sizeof header);
        out.insert(out.end(), data, data + n);
        data += n;
        size -= n;
    } while (size > 0);
}

void append_deflated(std::vector<unsigned char>& out, int level, const std::vector<unsigned char>& dictionary,
                     const unsigned char* data, size_t size, bool last) {
    z_stream s{};
    if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error(ErrorKind::internal, "zlib: deflateInit2 failed");
    if (!dictionary.empty() &&
        deflateSetDictionary(&s, dictionary.data(), static_cast<uInt>(dictionary.size())) != Z_OK) {
        deflateEnd(&s);
        throw Error(ErrorKind::internal, "zlib: deflateSetDictionary failed");
    }
    const size_t start = out.size();
    // deflateBound covers one call's whole output, plus room for the sync flush marker.
    out.resize(start + deflateBound(&s, static_cast<uLong>(size)) + 16);
    s.next_in = const_cast<unsigned char*>(data);
    s.avail_in = static_cast<uInt>(size);
    s.next_out = out.data() + start;
    s.avail_out = static_cast<uInt>(out.size() - start);
    const int rc = deflate(&s, last ? Z_FINISH : Z_SYNC_FLUSH);
    const bool ok = last ? rc == Z_STREAM_END : (rc == Z_OK && s.avail_in == 0);
    out.resize(out.size() - s.avail_out);
    deflateEnd(&s);
    if (!ok) throw Error(ErrorKind::internal, "zlib: deflate failed");
}

} // namespace mab::oci
