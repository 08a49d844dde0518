#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "oci/compression.hpp"
#include "oci/parallel_gzip.hpp"
#include "oci/parallel_gzip_block.hpp"

using mab::Error;
using mab::ErrorKind;
using namespace mab::oci;

namespace {

class StringSink final : public Sink {
public:
    void write(const void* data, size_t size) override {
        REQUIRE_FALSE(finished);
        bytes.append(static_cast<const char*>(data), size);
        ++writes;
    }
    void finish() override { finished = true; }

    std::string bytes;
    size_t writes = 0;
    bool finished = false;
};

// 5 MiB: pseudo-random stretches (incompressible) alternating with repetitive text.
std::string test_data() {
    std::string data;
    data.reserve(5 << 20);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    while (data.size() < (5u << 20)) {
        for (int i = 0; i < 50000; ++i) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data += static_cast<char>(state & 0xff);
        }
        for (int i = 0; i < 3000; ++i) data += "the quick brown fox jumps over the lazy dog ";
    }
    data.resize(5 << 20);
    return data;
}

// Writes `data` in odd-sized chunks, then finishes.
std::string compress(Compression c, std::optional<int> level, const std::string& data) {
    StringSink out;
    std::unique_ptr<Sink> sink = make_compressor(c, level, out);
    const size_t sizes[] = {1, 7, 4093, 65537, 13, 1 << 20, 999, 0, 3};
    size_t pos = 0;
    for (size_t i = 0; pos < data.size(); ++i) {
        size_t n = std::min(sizes[i % std::size(sizes)], data.size() - pos);
        sink->write(data.data() + pos, n);
        pos += n;
    }
    sink->finish();
    CHECK_FALSE(out.finished); // the compressor does not finish its output sink
    return out.bytes;
}

// Inflates one whole stream: window_bits 15 + 16 for gzip, -15 for raw deflate (which
// must end with a final block).
std::string inflate_all(const void* in, size_t size, int window_bits) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, window_bits) == Z_OK);
    z.next_in = static_cast<Bytef*>(const_cast<void*>(in));
    z.avail_in = static_cast<uInt>(size);
    std::string out;
    std::vector<char> buf(1 << 16);
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef*>(buf.data());
        z.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&z, Z_NO_FLUSH);
        REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
        out.append(buf.data(), buf.size() - z.avail_out);
    }
    CHECK(z.avail_in == 0);
    inflateEnd(&z);
    return out;
}

std::string gunzip(const std::string& in) { return inflate_all(in.data(), in.size(), 15 + 16); }

std::string unzstd(const std::string& in) {
    ZSTD_DStream* d = ZSTD_createDStream();
    REQUIRE(d != nullptr);
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    std::string out;
    std::vector<char> buf(ZSTD_DStreamOutSize());
    for (;;) {
        ZSTD_outBuffer output{buf.data(), buf.size(), 0};
        size_t rc = ZSTD_decompressStream(d, &output, &input);
        REQUIRE_FALSE(ZSTD_isError(rc));
        out.append(buf.data(), output.pos);
        if (rc == 0) break; // the frame is complete and flushed
        // Input used up while the decoder has nothing more to give: a truncated frame.
        REQUIRE_FALSE((input.pos == input.size && output.pos < output.size));
    }
    CHECK(input.pos == input.size); // one frame, nothing after it
    ZSTD_freeDStream(d);
    return out;
}

constexpr size_t k_block = 256 * 1024;  // parallel gzip's block size

// Incompressible bytes (xorshift64), the same for the same seed.
std::string random_bytes(size_t n, uint64_t seed) {
    std::string out(n, '\0');
    uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (char& c : out) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        c = static_cast<char>(state >> 24);
    }
    return out;
}

// Numbers, one a line, as `seq` writes them.
std::string text_bytes(size_t n) {
    std::string out;
    for (uint64_t i = 1; out.size() < n; ++i) out += std::to_string(i) + "\n";
    out.resize(n);
    return out;
}

std::string raw_inflate(const std::vector<unsigned char>& in) { return inflate_all(in.data(), in.size(), -15); }

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// parallel gzip at `level` on `threads` threads, `data` written in pieces of `piece` bytes.
std::string parallel_gzip(const std::string& data, int level, unsigned threads, size_t piece) {
    StringSink out;
    std::unique_ptr<Sink> gz = make_parallel_gzip(level, out, threads);
    for (size_t pos = 0; pos < data.size(); pos += piece)
        gz->write(data.data() + pos, std::min(piece, data.size() - pos));
    gz->finish();
    return out.bytes;
}

} // namespace

TEST_CASE("compression names", "[compression]") {
    CHECK(parse_compression("gzip") == Compression::gzip);
    CHECK(parse_compression("zstd") == Compression::zstd);
    CHECK(parse_compression("uncompressed") == Compression::none);
    for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) {
        CHECK(parse_compression(compression_name(c)) == c);
    }
    try {
        parse_compression("lz4");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        std::string msg = e.what();
        CHECK(msg.find("\"lz4\"") != std::string::npos);
        CHECK(msg.find("gzip, zstd, uncompressed") != std::string::npos);
    }
    CHECK_THROWS_AS(parse_compression("GZIP"), Error);
    CHECK_THROWS_AS(parse_compression(""), Error);
}

TEST_CASE("gzip round-trips, deterministically, with a fixed header", "[compression]") {
    const std::string data = test_data();
    std::string a = compress(Compression::gzip, std::nullopt, data);
    CHECK(a.size() < data.size());
    CHECK(gunzip(a) == data);
    // RFC 1952 header: magic, deflate, no flags, mtime 0, XFL, OS 255.
    REQUIRE(a.size() > 10);
    CHECK(a.substr(0, 8) == std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
    CHECK(static_cast<unsigned char>(a[8]) == 4);  // XFL "fastest": the default is level 1
    CHECK(static_cast<unsigned char>(a[9]) == 255);

    CHECK(compress(Compression::gzip, std::nullopt, data) == a);
    CHECK(compress(Compression::gzip, 1, data) == a);
    std::string six = compress(Compression::gzip, 6, data);
    CHECK(six != a);
    CHECK(six.size() < a.size());
    CHECK(static_cast<unsigned char>(six[8]) == 0);
    CHECK(gunzip(six) == data);
    CHECK(gunzip(compress(Compression::gzip, 0, data)) == data);
    CHECK(gunzip(compress(Compression::gzip, 9, "")).empty());
}

TEST_CASE("zstd round-trips deterministically", "[compression]") {
    const std::string data = test_data();
    std::string a = compress(Compression::zstd, std::nullopt, data);
    CHECK(a.size() < data.size());
    CHECK(unzstd(a) == data);
    CHECK(compress(Compression::zstd, std::nullopt, data) == a);
    CHECK(compress(Compression::zstd, 3, data) == a);
    CHECK(unzstd(compress(Compression::zstd, 19, data.substr(0, 300000))) ==
          data.substr(0, 300000));
    CHECK(unzstd(compress(Compression::zstd, 1, "")).empty());
}

TEST_CASE("uncompressed passes bytes through", "[compression]") {
    const std::string data = test_data();
    CHECK(compress(Compression::none, std::nullopt, data) == data);
}

TEST_CASE("compressed output is streamed, not buffered", "[compression]") {
    const std::string data = test_data();
    StringSink out;
    std::unique_ptr<Sink> gz = make_compressor(Compression::gzip, std::nullopt, out);
    gz->write(data.data(), data.size() / 2);
    CHECK(out.bytes.size() > 100000); // output arrives before finish()
    gz->write(data.data() + data.size() / 2, data.size() - data.size() / 2);
    gz->finish();
    CHECK(gunzip(out.bytes) == data);
}

TEST_CASE("invalid compression levels", "[compression]") {
    StringSink out;
    for (int level : {-1, 10, 100}) {
        INFO(level);
        try {
            make_compressor(Compression::gzip, level, out);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(std::string(e.what()).find("gzip compression level " + std::to_string(level)) !=
                  std::string::npos);
        }
    }
    CHECK_THROWS_AS(make_compressor(Compression::zstd, 23, out), Error);
    CHECK_THROWS_AS(make_compressor(Compression::zstd, -5, out), Error);
    CHECK_NOTHROW(make_compressor(Compression::zstd, 22, out));
    CHECK_NOTHROW(make_compressor(Compression::zstd, 0, out));
}

TEST_CASE("parallel gzip: the same bytes for any thread count and write pattern, close to zlib's ratio",
          "[compression]") {
    const std::string data = test_data();
    auto with_threads = [&](unsigned threads, size_t piece) {
        StringSink out;
        std::unique_ptr<Sink> gz = make_parallel_gzip(6, out, threads);
        for (size_t pos = 0; pos < data.size(); pos += piece)
            gz->write(data.data() + pos, std::min(piece, data.size() - pos));
        gz->finish();
        return out.bytes;
    };
    const std::string one = with_threads(1, 1 << 20);
    CHECK(gunzip(one) == data);
    CHECK(with_threads(4, 4093) == one);
    CHECK(with_threads(2, 256 * 1024) == one);  // writes on block boundaries
    CHECK(compress(Compression::gzip, 6, data) == one);

    // Single-threaded deflate of the whole stream, for the ratio.
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::vector<Bytef> buf(deflateBound(&z, data.size()));
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    const double single = static_cast<double>(buf.size() - z.avail_out);
    deflateEnd(&z);
    CHECK(static_cast<double>(one.size()) < single * 1.01);

    // Empty and tiny inputs are valid gzip too.
    for (size_t n : {size_t{0}, size_t{1}, size_t{256 * 1024}, size_t{256 * 1024 + 1}}) {
        StringSink out;
        std::unique_ptr<Sink> gz = make_parallel_gzip(9, out, 3);
        gz->write(data.data(), n);
        gz->finish();
        CHECK(gunzip(out.bytes) == data.substr(0, n));
        CHECK(static_cast<unsigned char>(out.bytes[8]) == 2);  // XFL for level 9, as zlib
    }
}

TEST_CASE("zstd output does not depend on the number of worker threads", "[compression]") {
    const std::string data = test_data() + test_data();
    const std::string ours = compress(Compression::zstd, 3, data);
    CHECK(unzstd(ours) == data);
    for (int workers : {1, 3}) {
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        REQUIRE(cctx != nullptr);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers))) {
            ZSTD_freeCCtx(cctx);
            WARN("libzstd was built without threads: nothing to compare");
            return;
        }
        // Streamed, as a layer is (no pledged size in the frame header), in other pieces.
        std::string out(ZSTD_compressBound(data.size()) + 4096, '\0');
        ZSTD_outBuffer o{out.data(), out.size(), 0};
        for (size_t pos = 0; pos < data.size(); pos += 65537) {
            ZSTD_inBuffer in{data.data() + pos, std::min<size_t>(65537, data.size() - pos), 0};
            while (in.pos < in.size) REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_continue)));
        }
        ZSTD_inBuffer none{nullptr, 0, 0};
        size_t rc;
        do {
            rc = ZSTD_compressStream2(cctx, &o, &none, ZSTD_e_end);
            REQUIRE_FALSE(ZSTD_isError(rc));
        } while (rc != 0);
        out.resize(o.pos);
        ZSTD_freeCCtx(cctx);
        CHECK(out == ours);
    }
}

TEST_CASE("gzip blocks: random bytes are stored, text, binaries and mixtures are deflated", "[compression]") {
    const std::string random = random_bytes(k_block, 1);
    CHECK(classify_block(bytes(random), random.size()) == BlockKind::incompressible);
    CHECK(classify_block(bytes(random), 64 * 1024) == BlockKind::incompressible);
    // Below 64 KiB nothing is judged random.
    CHECK(classify_block(bytes(random), 64 * 1024 - 1) == BlockKind::ordinary);
    const std::string text = text_bytes(k_block);
    CHECK(classify_block(bytes(text), text.size()) == BlockKind::ordinary);
    // Half random, half zeros: deflate halves it, so it must not be stored.
    std::string half = random.substr(0, k_block / 2) + std::string(k_block / 2, '\0');
    CHECK(classify_block(bytes(half), half.size()) == BlockKind::ordinary);
    // Random over 200 of the 256 byte values (7.6 bits a byte): deflate saves 4%.
    std::string narrow = random;
    for (char& c : narrow) c = static_cast<char>(static_cast<unsigned char>(c) % 200);
    CHECK(classify_block(bytes(narrow), narrow.size()) == BlockKind::ordinary);
    // Uniform at any size, any value; empty is not.
    for (size_t n : {size_t{1}, size_t{2}, size_t{1000}, k_block}) {
        const std::string same(n, '\xaa');
        CHECK(classify_block(bytes(same), n) == BlockKind::uniform);
    }
    std::string almost(k_block, '\0');
    almost[k_block - 1] = 1;
    CHECK(classify_block(bytes(almost), almost.size()) == BlockKind::ordinary);
    CHECK(classify_block(bytes(random), 0) == BlockKind::ordinary);
}

TEST_CASE("gzip blocks: stored blocks are raw deflate, 65535 bytes at most, BFINAL only at the end",
          "[compression]") {
    const std::string random = random_bytes(200000, 2);
    for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{200000}}) {
        std::vector<unsigned char> out;
        append_stored(out, bytes(random), n, true);
        const size_t pieces = n == 0 ? 1 : (n + 65534) / 65535;
        CHECK(out.size() == n + 5 * pieces);
        CHECK(raw_inflate(out) == random.substr(0, n));
        CHECK(out[0] == (pieces == 1 ? 1 : 0));
    }
    // Between deflated blocks: a sync-flushed block, stored bytes, then the final block
    // deflated with the stored bytes' tail as dictionary (so it refers back into them).
    const std::string text = text_bytes(100000);
    std::vector<unsigned char> out;
    append_deflated(out, 1, {}, bytes(text), text.size(), false);
    append_stored(out, bytes(random), random.size(), false);
    CHECK(out.back() == static_cast<unsigned char>(random.back()));
    const std::string tail = random.substr(random.size() - 32768);
    const std::vector<unsigned char> dictionary(tail.begin(), tail.end());
    append_deflated(out, 6, dictionary, bytes(tail), tail.size(), true);
    CHECK(raw_inflate(out) == text + random + tail);
}

TEST_CASE("parallel gzip: mixed random, uniform and text inputs round-trip, the same bytes for any threads "
          "and writes", "[compression]") {
    const std::string random = random_bytes(3 * k_block, 3);
    const std::string text = text_bytes(3 * k_block);
    std::vector<std::pair<std::string, std::string>> inputs = {
        {"empty", ""},
        {"one byte", "x"},
        {"one zero", std::string(1, '\0')},
        {"block - 1 random", random.substr(0, k_block - 1)},
        {"block random", random.substr(0, k_block)},
        {"block + 1 random", random.substr(0, k_block + 1)},
        {"block - 1 zeros", std::string(k_block - 1, '\0')},
        {"block + 1 zeros", std::string(k_block + 1, '\0')},
        {"3 blocks of text", text},
        {"text, random, zeros, ending random", text.substr(0, k_block + 7) + random +
                                                   std::string(2 * k_block, '\0') + random.substr(0, 70000)},
        {"random, text, ending uniform", random + text.substr(0, 1000) + std::string(3 * k_block, '\x7f')},
        // Uniform blocks of different values and sizes: what is reused must match exactly.
        {"alternating uniform values", std::string(k_block, '\0') + std::string(k_block, '\xff') +
                                           std::string(k_block, '\0') + std::string(k_block - 10, '\xff') +
                                           std::string(10, '\0') + std::string(k_block, '\0')},
        // Exactly 4 blocks, the last one uniform, then the same plus a shorter uniform tail.
        {"4 blocks, last uniform", random + std::string(k_block, '\0')},
        {"uniform tail shorter", random + std::string(k_block, '\0') + std::string(5000, '\0')},
    };
    for (const auto& [name, data] : inputs) {
        for (int level : {1, 6}) {
            INFO(name << ", level " << level);
            const std::string one = parallel_gzip(data, level, 1, 1 << 20);
            CHECK(gunzip(one) == data);
            CHECK(parallel_gzip(data, level, 2, 4093) == one);
            CHECK(parallel_gzip(data, level, 4, k_block) == one);
            CHECK(parallel_gzip(data, level, 4, 1) == one);
        }
    }
    // Levels 0 and 9 use the same blocks.
    const std::string mixed = random + std::string(2 * k_block, '\0') + text;
    for (int level : {0, 9}) CHECK(gunzip(parallel_gzip(mixed, level, 2, 65537)) == mixed);
}

TEST_CASE("parallel gzip: random input costs only the stored blocks' headers", "[compression]") {
    const std::string random = random_bytes(4 * k_block, 4);
    // 10 bytes of header, 8 of trailer, 5 stored blocks (65535 * 4 + 4) of 5 bytes per block.
    for (int level : {1, 6, 9}) CHECK(parallel_gzip(random, level, 2, 1 << 20).size() == random.size() + 18 + 4 * 25);
    // Not a whole block: deflated, with deflate's own overhead (a fraction of a percent).
    const std::string tail = random.substr(0, 10000);
    CHECK(parallel_gzip(tail, 1, 1, 1 << 20).size() < tail.size() + 100);
}

TEST_CASE("parallel gzip: a uniform 64 MiB input is the same small block repeated", "[compression]") {
    const std::string zeros(64u << 20, '\0');
    const std::string out = parallel_gzip(zeros, 1, 2, 1 << 20);
    CHECK(out.size() < zeros.size() / 200);
    CHECK(gunzip(out) == zeros);
    // The body: 255 copies of one block deflated without a dictionary, then the final one.
    std::vector<unsigned char> block, final_block;
    append_deflated(block, 1, {}, bytes(zeros), k_block, false);
    append_deflated(final_block, 1, {}, bytes(zeros), k_block, true);
    std::string expected;
    for (int i = 0; i < 255; ++i) expected.append(block.begin(), block.end());
    expected.append(final_block.begin(), final_block.end());
    REQUIRE(out.size() == 10 + expected.size() + 8);
    CHECK(out.substr(10, expected.size()) == expected);
}
