#include "oci/digest.hpp"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::oci {

namespace {

bool is_lower_hex(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

// The bad value as it may safely appear in a message: control bytes escaped, long
// values cut, since it came from untrusted input.
std::string quoted(std::string_view text) {
    constexpr size_t k_max = 160;
    std::string out = "\"";
    for (size_t i = 0; i < text.size() && i < k_max; ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > k_max) out += "...";
    return out + "\"";
}

[[noreturn]] void throw_invalid(std::string_view text, std::string_view why) {
    throw Error(ErrorKind::input, fmt::format("invalid digest {}: {}", quoted(text), why));
}

} // namespace

Digest Digest::parse(std::string_view text) {
    size_t colon = text.find(':');
    if (colon == std::string_view::npos) throw_invalid(text, "expected \"sha256:<64 hex digits>\"");
    std::string_view algorithm = text.substr(0, colon);
    std::string_view hex = text.substr(colon + 1);
    size_t expected_length = 0;
    if (algorithm == "sha256") {
        expected_length = 64;
    } else if (algorithm == "sha512") {
        expected_length = 128;
    } else {
        throw_invalid(text, "unsupported algorithm (only sha256 and sha512 are)");
    }
    if (hex.size() != expected_length || !is_lower_hex(hex)) {
        throw_invalid(text, fmt::format("{} needs exactly {} lowercase hex digits", algorithm,
                                        expected_length));
    }
    return Digest(std::string(text));
}

Digest Digest::from_sha256_hex(std::string_view hex) {
    return parse(std::string("sha256:").append(hex));
}

std::string_view Digest::algorithm() const {
    std::string_view text = m_text;
    return text.substr(0, text.find(':'));
}

std::string_view Digest::hex() const {
    std::string_view text = m_text;
    size_t colon = text.find(':');
    return colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
}

struct Sha256::Impl {
    EVP_MD_CTX* ctx = nullptr;
    bool finished = false;
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
    m_impl->ctx = EVP_MD_CTX_new();
    if (m_impl->ctx == nullptr || EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) != 1) {
        throw Error(ErrorKind::internal, "OpenSSL: cannot initialise SHA-256");
    }
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    if (m_impl->finished) throw Error(ErrorKind::internal, "Sha256::update after finish");
    if (size == 0) return;
    if (EVP_DigestUpdate(m_impl->ctx, data, size) != 1) {
        throw Error(ErrorKind::internal, "OpenSSL: SHA-256 update failed");
    }
    m_bytes += size;
}

Digest Sha256::finish() {
    if (m_impl->finished) throw Error(ErrorKind::internal, "Sha256::finish called twice");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_impl->ctx, md, &length) != 1 || length != 32) {
        throw Error(ErrorKind::internal, "OpenSSL: SHA-256 final failed");
    }
    m_impl->finished = true;
    static const char k_digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += k_digits[md[i] >> 4];
        hex += k_digits[md[i] & 0x0f];
    }
    return Digest::from_sha256_hex(hex);
}

Digest sha256_of(std::string_view data) {
    Sha256 hash;
    hash.update(data);
    return hash.finish();
}

} // namespace mab::oci
