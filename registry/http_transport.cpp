#include "registry/http_transport.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <ctime>
#include <exception>
#include <mutex>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/termination.hpp"
#include "base/unique_fd.hpp"

namespace mab::registry {

namespace {

constexpr long k_max_redirects = 8;
constexpr std::string_view k_user_agent = "mab/0.1";

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return std::string(s);
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TransportFailure classify(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        return TransportFailure::connect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return TransportFailure::name_unknown;
    case CURLE_SSL_CONNECT_ERROR:
        return TransportFailure::tls_handshake;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
        return TransportFailure::tls_verify;
    case CURLE_OPERATION_TIMEDOUT:
        return TransportFailure::timeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return TransportFailure::broken;
    default:
        return TransportFailure::other;
    }
}

// State of one perform() call, reached from libcurl's callbacks.
struct Call {
    CURL* handle = nullptr;
    const HttpRequest* request = nullptr;
    const BodySink* sink = nullptr;
    HttpResponse response;
    std::exception_ptr error;          // thrown inside a callback, rethrown after
    UniqueFd body_fd;                  // RequestBody::Kind::file
    int64_t body_pos = 0;              // bytes of the body already handed to libcurl
    bool body_too_large = false;
};

long current_status(Call& call) {
    long status = 0;
    curl_easy_getinfo(call.handle, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    Call& call = *static_cast<Call*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response begins (after a redirect or an interim 1xx): forget the last one's.
        call.response.headers.clear();
        return size * count;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos)
        call.response.headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    Call& call = *static_cast<Call*>(user);
    size_t n = size * count;
    try {
        long status = current_status(call);
        if (call.sink != nullptr && *call.sink && status >= 200 && status < 300) {
            call.response.status = status;
            (*call.sink)(call.response, data, n);
            return n;
        }
        if (call.response.body.size() + n > HttpResponse::k_max_kept_body) {
            call.body_too_large = true;
            return CURL_WRITEFUNC_ERROR;
        }
        call.response.body.append(data, n);
        return n;
    } catch (...) {
        call.error = std::current_exception();
        return CURL_WRITEFUNC_ERROR;
    }
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
    Call& call = *static_cast<Call*>(user);
    const RequestBody& body = call.request->body;
    int64_t left = body.size() - call.body_pos;
    size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(size * count)));
    if (n == 0) return 0;
    if (body.kind == RequestBody::Kind::memory) {
        body.data.copy(buffer, n, static_cast<size_t>(call.body_pos));
    } else {
        ssize_t got = ::pread(call.body_fd.get(), buffer, n, body.offset + call.body_pos);
        if (got <= 0) {
            try {
                if (got < 0) throw_errno("read", body.file.string());
                throw Error(ErrorKind::io, fmt::format("{} ended early while sending it", body.file.string()));
            } catch (...) {
                call.error = std::current_exception();
            }
            return CURL_READFUNC_ABORT;
        }
        n = static_cast<size_t>(got);
    }
    call.body_pos += static_cast<int64_t>(n);
    return n;
}

// Called by libcurl several times a second while a transfer runs: stops it on Ctrl-C.
int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return termination_requested() ? 1 : 0;
}

// libcurl rewinds a body it must send again (after a redirect, or on a reused
// connection that turned out closed).
int on_seek(void* user, curl_off_t offset, int origin) {
    Call& call = *static_cast<Call*>(user);
    if (origin != SEEK_SET || offset < 0 || offset > call.request->body.size()) return CURL_SEEKFUNC_FAIL;
    call.body_pos = offset;
    return CURL_SEEKFUNC_OK;
}

// The system CA bundle libcurl uses by default, read once.
const std::string& default_ca_bundle() {
    static const std::string bundle = [] {
        const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
        std::error_code ec;
        if (info->cainfo == nullptr || !std::filesystem::is_regular_file(info->cainfo, ec)) return std::string();
        return read_file(info->cainfo);
    }();
    return bundle;
}

} // namespace

std::string url_for_message(std::string_view url) {
    std::string shown(url.substr(0, url.find('?')));
    // "https://user:secret@host/…": credentials never enter a message.
    size_t authority = shown.find("://");
    if (authority != std::string::npos) {
        authority += 3;
        size_t at = shown.find('@', authority);
        if (at != std::string::npos && at < shown.find('/', authority)) shown.erase(authority, at + 1 - authority);
    }
    return shown;
}

std::optional<int64_t> parse_http_date(const std::string& text) {
    struct tm tm {};
    const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return static_cast<int64_t>(::timegm(&tm));
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    std::string key = lower(name);
    for (const auto& [k, v] : headers)
        if (k == key) return v;
    return std::nullopt;
}

struct HttpTransport::Pool {
    std::mutex mutex;
    std::vector<CURL*> idle;

    CURL* take() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!idle.empty()) {
                CURL* h = idle.back();
                idle.pop_back();
                return h;
            }
        }
        CURL* h = curl_easy_init();
        if (h == nullptr) throw Error(ErrorKind::internal, "curl_easy_init failed");
        return h;
    }
    void give_back(CURL* h) {
        std::lock_guard<std::mutex> lock(mutex);
        idle.push_back(h);
    }
    ~Pool() {
        for (CURL* h : idle) curl_easy_cleanup(h);
    }
};

HttpTransport::HttpTransport() : m_pool(std::make_unique<Pool>()) {
    global_init();
}

HttpTransport::~HttpTransport() = default;

HttpResponse HttpTransport::perform(const HttpRequest& req, const BodySink& sink) const {
    Call call;
    call.request = &req;
    call.sink = &sink;
    call.handle = m_pool->take();
    struct Return {
        Pool& pool;
        CURL* handle;
        ~Return() { pool.give_back(handle); }
    } give_back{*m_pool, call.handle};
    CURL* h = call.handle;
    curl_easy_reset(h);   // options only: the handle's connection cache survives

    if (req.body.kind == RequestBody::Kind::file) {
        call.body_fd.reset(::open(req.body.file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!call.body_fd) throw_errno("open", req.body.file.string());
    }

    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, std::string(k_user_agent).c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(req.timeouts.connect.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.timeouts.stall.count()));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &call);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (req.follow_redirects) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, k_max_redirects);
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        // libcurl does not send an Authorization header we set to another host or port.
    }

    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req.tls.verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req.tls.verify ? 2L : 0L);
    std::string ca_pem;
    if (!req.tls.extra_ca.empty()) {
        // libcurl trusts an in-memory bundle instead of its default CA file, not beside
        // it: the extra CA goes after the system's CAs (a registry may redirect blob
        // GETs to storage with a public certificate).
        ca_pem = default_ca_bundle() + "\n" + read_file(req.tls.extra_ca);
        curl_blob blob{ca_pem.data(), ca_pem.size(), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }

    curl_slist* headers = nullptr;
    struct FreeHeaders {
        curl_slist*& list;
        ~FreeHeaders() { curl_slist_free_all(list); }
    } free_headers{headers};
    for (const std::string& line : req.headers) headers = curl_slist_append(headers, line.c_str());
    headers = curl_slist_append(headers, "Expect:");   // no 100-continue round trip

    if (req.method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        // Every other method sends a body (maybe empty) through the read callback.
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &call);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &call);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    CURLcode code = curl_easy_perform(h);
    if (call.error) std::rethrow_exception(call.error);
    std::string where = fmt::format("{} {}", req.method, url_for_message(req.url));
    if (call.body_too_large)
        throw Error(ErrorKind::registry, fmt::format("{}: the answer is larger than {} bytes", where,
                                                     HttpResponse::k_max_kept_body));
    if (code == CURLE_ABORTED_BY_CALLBACK) throw Error(ErrorKind::cancelled, fmt::format("{}: stopped", where));
    if (code != CURLE_OK) {
        std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        throw TransportError(classify(code), fmt::format("{}: {}", where, detail));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &call.response.status);
    char* effective = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
    call.response.url = effective != nullptr ? effective : req.url;
    return std::move(call.response);
}

} // namespace mab::registry
