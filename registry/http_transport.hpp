// HTTP over libcurl: one request at a time per call, bodies streamed from a file range
// and into a caller's sink (never a whole blob in memory), TLS verified unless told
// otherwise, an optional extra CA, redirects on request, connect and stall timeouts.
// Knows nothing about registries: auth, retries and URLs are the callers'.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

struct TlsOptions {
    bool verify = true;
    std::filesystem::path extra_ca;   // PEM file trusted besides the system's CAs
};

// A request body: nothing, bytes in memory (JSON documents), or a byte range of a file
// (blobs, read as they are sent, so a retry can send it again).
struct RequestBody {
    enum class Kind { none, memory, file };
    Kind kind = Kind::none;
    std::string data;
    std::filesystem::path file;
    int64_t offset = 0;
    int64_t length = 0;

    static RequestBody text(std::string data) { return {Kind::memory, std::move(data), {}, 0, 0}; }
    static RequestBody file_range(std::filesystem::path file, int64_t offset, int64_t length) {
        return {Kind::file, {}, std::move(file), offset, length};
    }
    int64_t size() const { return kind == Kind::memory ? static_cast<int64_t>(data.size()) : length; }
};

struct HttpRequest {
    std::string method = "GET";         // GET HEAD PUT POST PATCH DELETE
    std::string url;
    std::vector<std::string> headers;   // "Name: value"
    RequestBody body;
    TlsOptions tls;
    Timeouts timeouts;
    bool follow_redirects = false;      // GETs of blobs: registries redirect to storage
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;   // names lower-case, in order
    std::string body;     // the body, unless a sink took it; at most k_max_kept_body
    std::string url;      // where the answer came from (after redirects)

    static constexpr size_t k_max_kept_body = 8 << 20;

    // The first value of header `name` (any case), or nullopt.
    std::optional<std::string> header(std::string_view name) const;
    bool ok() const { return status >= 200 && status < 300; }
};

// Receives a 2xx response's body as it arrives; `head` holds its status and headers.
// An exception thrown here aborts the transfer and leaves perform() unchanged.
using BodySink = std::function<void(const HttpResponse& head, const char* data, size_t size)>;

// How a request failed below HTTP.
enum class TransportFailure {
    connect,         // no connection (refused, unreachable)
    name_unknown,    // the host name does not resolve: retrying rarely helps, so it is not retried
    tls_handshake,   // TLS could not be spoken (e.g. the server speaks plain HTTP)
    tls_verify,      // the server's certificate was not trusted
    timeout,         // connect timeout, or the transfer stalled
    broken,          // reset, closed early, truncated body
    other,
};

class TransportError : public Error {
public:
    TransportError(TransportFailure failure, const std::string& message)
        : Error(ErrorKind::registry, message), m_failure(failure) {}
    TransportFailure failure() const { return m_failure; }
    // Worth trying again: connect, timeout and broken transfers.
    bool retryable() const {
        return m_failure == TransportFailure::connect || m_failure == TransportFailure::timeout ||
               m_failure == TransportFailure::broken;
    }

private:
    TransportFailure m_failure;
};

// A URL with its query removed, for messages (upload URLs carry opaque state).
std::string url_for_message(std::string_view url);

// An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") as seconds since
// the epoch; nullopt when it does not read as one.
std::optional<int64_t> parse_http_date(const std::string& text);

class HttpTransport {
public:
    HttpTransport();
    ~HttpTransport();
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    // Performs one request. HTTP error statuses are returned, not thrown; failures below
    // HTTP throw TransportError naming the method and URL (without its query); a
    // termination request (Ctrl-C, base/termination.hpp) stops a transfer with
    // Error(cancelled). Thread-safe: each call borrows an idle libcurl handle, so
    // connections are reused.
    HttpResponse perform(const HttpRequest& request, const BodySink& sink = {}) const;

private:
    struct Pool;
    std::unique_ptr<Pool> m_pool;
};

} // namespace mab::registry
