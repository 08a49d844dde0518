#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "base/error.hpp"
#include "oci/background_hash.hpp"
#include "oci/digest.hpp"

using mab::Error;
using mab::ErrorKind;
using mab::oci::Digest;
using mab::oci::Sha256;
using mab::oci::sha256_of;

namespace {

// FIPS 180-2 / NIST test vectors.
constexpr const char* k_sha256_empty =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* k_sha256_abc =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

ErrorKind kind_of_parse(const std::string& text) {
    try {
        Digest::parse(text);
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::internal;
}

} // namespace

TEST_CASE("sha256 of known vectors", "[digest]") {
    CHECK(sha256_of("").str() == k_sha256_empty);
    CHECK(sha256_of("abc").str() == k_sha256_abc);
    CHECK(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").str() ==
          "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 streamed in chunks equals one-shot", "[digest]") {
    std::string data;
    for (int i = 0; i < 100000; ++i) data += static_cast<char>((i * 7919) % 251);
    Sha256 hash;
    size_t chunk = 1;
    for (size_t pos = 0; pos < data.size(); pos += chunk, chunk = chunk * 3 % 8191 + 1) {
        hash.update(std::string_view(data).substr(pos, chunk));
    }
    CHECK(hash.bytes() == data.size());
    CHECK(hash.finish() == sha256_of(data));
    CHECK_THROWS_AS(hash.update("more"), Error);
}

TEST_CASE("digest accessors", "[digest]") {
    Digest d = Digest::parse(k_sha256_abc);
    CHECK(d.algorithm() == "sha256");
    CHECK(d.hex() == std::string(k_sha256_abc).substr(7));
    CHECK(d.short_hex() == "ba7816bf8f01");
    CHECK_FALSE(d.empty());
    CHECK(Digest().empty());
    CHECK(Digest::from_sha256_hex(d.hex()) == d);
    std::string sha512 = "sha512:" + std::string(128, 'a');
    CHECK(Digest::parse(sha512).algorithm() == "sha512");
}

TEST_CASE("bad digests are rejected naming the value", "[digest]") {
    std::string hex(std::string(k_sha256_abc).substr(7));
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string bad[] = {
        "sha256:../../x",
        "sha256:" + upper,
        "sha256:" + hex.substr(1),
        "sha256:" + hex + "0",
        "md5:" + hex,
        "sha512:" + hex,
        hex,
        "",
        "sha256:",
        "sha256:" + hex.substr(0, 63) + "g",
        " sha256:" + hex,
        "SHA256:" + hex,
    };
    for (const std::string& text : bad) {
        INFO(text);
        CHECK(kind_of_parse(text) == ErrorKind::input);
    }
    try {
        Digest::parse("sha256:../../x");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("\"sha256:../../x\"") != std::string::npos);
    }
    try {
        Digest::parse("sha256:a\nb");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("a\\x0ab") != std::string::npos);
    }
    CHECK_THROWS_AS(Digest::from_sha256_hex("xyz"), Error);
}

TEST_CASE("sha256 hashed on a background thread equals one-shot", "[digest]") {
    // Sizes around the 1 MiB batch and the 2-batch queue, written in uneven chunks.
    for (size_t size : {size_t{0}, size_t{5}, size_t{1} << 20, (size_t{1} << 20) + 1, size_t{9} << 20 | 12345}) {
        std::string data(size, '\0');
        for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
        mab::oci::BackgroundSha256 hash;
        size_t chunk = 7;
        for (size_t pos = 0; pos < data.size(); pos += chunk, chunk = chunk * 5 % 300007 + 1)
            hash.update(data.data() + pos, std::min(chunk, data.size() - pos));
        INFO(size);
        CHECK(hash.bytes() == size);
        CHECK(hash.finish() == sha256_of(data));
        CHECK_THROWS_AS(hash.update("x", 1), Error);
    }
}
