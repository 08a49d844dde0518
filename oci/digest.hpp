// Content digests (OCI image spec "Digests"): parsed with a strict grammar so an
// unvalidated string can never reach a path or a URL, and computed by streaming.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mab::oci {

class Digest {
public:
    Digest() = default;  // empty: "no digest"; see empty()

    // Accepts only `sha256:[a-f0-9]{64}` and `sha512:[a-f0-9]{128}`; anything else
    // throws mab::Error(input) naming the bad value.
    static Digest parse(std::string_view text);
    static Digest from_sha256_hex(std::string_view hex);

    const std::string& str() const { return m_text; }       // "sha256:abcd…"
    std::string_view algorithm() const;                     // "sha256"
    std::string_view hex() const;                           // "abcd…"
    std::string short_hex(size_t n = 12) const { return std::string(hex().substr(0, n)); }
    bool empty() const { return m_text.empty(); }

    auto operator<=>(const Digest&) const = default;

private:
    explicit Digest(std::string text) : m_text(std::move(text)) {}
    std::string m_text;
};

// Streaming SHA-256 over OpenSSL EVP.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    uint64_t bytes() const { return m_bytes; }
    // Finishes the hash; the object must not be updated afterwards.
    Digest finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    uint64_t m_bytes = 0;
};

Digest sha256_of(std::string_view data);

} // namespace mab::oci
