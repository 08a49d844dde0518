#include "registry/endpoint.hpp"

#include <rapidjson/document.h>

#include <fmt/format.h>

#include "registry/retry.hpp"

namespace mab::registry {

namespace {

std::string reason_phrase(long status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

std::string strip_port(const std::string& host) {
    if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
    size_t colon = host.rfind(':');
    return colon == std::string::npos ? host : host.substr(0, colon);
}

} // namespace

bool is_loopback_host(const std::string& host) {
    std::string name = strip_port(host);
    if (name == "localhost" || name == "[::1]" || name == "::1") return true;
    // 127.0.0.0/8, written as a dotted quad.
    if (name.rfind("127.", 0) != 0 || name.find_first_not_of("0123456789.") != std::string::npos) return false;
    int dots = 0;
    for (char c : name) dots += c == '.';
    return dots == 3 && name.find("..") == std::string::npos && name.back() != '.';
}

std::string describe_status(const HttpResponse& response) {
    std::string text = fmt::format("{} {}", response.status, reason_phrase(response.status));
    if (text.back() == ' ') text.pop_back();
    rapidjson::Document doc;
    doc.Parse(response.body.c_str(), response.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("errors") || !doc["errors"].IsArray()) return text;
    std::string details;
    for (const rapidjson::Value& e : doc["errors"].GetArray()) {
        if (!e.IsObject()) continue;
        std::string code = e.HasMember("code") && e["code"].IsString() ? e["code"].GetString() : "";
        std::string message = e.HasMember("message") && e["message"].IsString() ? e["message"].GetString() : "";
        if (code.empty() && message.empty()) continue;
        details += (details.empty() ? "" : "; ") + code + (code.empty() || message.empty() ? "" : ": ") + message;
    }
    return details.empty() ? text : fmt::format("{} ({})", text, details);
}

Endpoint::Endpoint(std::string host, std::string path_prefix, const Settings& settings,
                   const HttpTransport& transport, const CredentialStore& credentials)
    : m_host(std::move(host)), m_api_host(m_host == "docker.io" ? "registry-1.docker.io" : m_host),
      m_prefix(std::move(path_prefix)), m_host_settings(settings_for(settings, m_host)), m_settings(settings),
      m_transport(transport), m_auth(m_host, settings, transport, credentials) {
    if (m_host_settings.plain_http) m_scheme = "http";
    else if (!is_loopback_host(m_host) || m_host_settings.skip_tls_verify || !m_host_settings.ca_file.empty())
        m_scheme = "https";
}

std::string Endpoint::repository_path(const std::string& path) const {
    return m_prefix.empty() ? path : m_prefix + "/" + path;
}

std::string Endpoint::url_for(const std::string& target, const std::string& scheme) const {
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) return target;
    return scheme + "://" + m_api_host + target;
}

HttpResponse Endpoint::perform(const RegistryRequest& request, const std::optional<std::string>& auth,
                               const BodySink& sink) {
    HttpRequest http;
    http.method = request.method;
    http.headers = request.headers;
    if (auth) http.headers.push_back(*auth);
    http.body = request.body;
    http.follow_redirects = request.follow_redirects;
    http.timeouts = m_settings.timeouts;
    http.tls = {!m_host_settings.skip_tls_verify, m_host_settings.ca_file};

    std::unique_lock<std::mutex> lock(m_scheme_mutex);
    if (!m_scheme.empty()) {
        http.url = url_for(request.target, m_scheme);
        lock.unlock();
        return m_transport.perform(http, sink);
    }
    // A loopback registry with no settings: HTTPS first, plain HTTP if TLS is not
    // spoken there (docker treats 127.0.0.0/8 the same way). A certificate that fails
    // verification is an error, not a reason to drop TLS. The lock stays held so that
    // parallel requests wait for this one answer instead of probing too.
    http.url = url_for(request.target, "https");
    try {
        HttpResponse response = m_transport.perform(http, sink);
        m_scheme = "https";
        return response;
    } catch (const TransportError& e) {
        if (e.failure() != TransportFailure::tls_handshake) throw;
    }
    http.url = url_for(request.target, "http");
    HttpResponse response = m_transport.perform(http, sink);
    m_scheme = "http";
    if (m_settings.notice)
        m_settings.notice(fmt::format("{} does not speak HTTPS; using plain HTTP (loopback registry)", m_host));
    return response;
}

HttpResponse Endpoint::send_once(const RegistryRequest& request, const Scopes& scopes, const BodySink& sink) {
    std::optional<std::string> auth = m_auth.header_for(scopes);
    HttpResponse response = perform(request, auth, sink);
    if (response.status != 401) return response;
    m_auth.on_unauthorized(response, scopes, auth);
    return perform(request, m_auth.header_for(scopes), sink);
}

HttpResponse Endpoint::send(const RegistryRequest& request, const Scopes& scopes, const BodySink& sink,
                            Retries retries) {
    const int attempts = retries == Retries::yes ? std::max(1, m_settings.retry.max_attempts) : 1;
    for (int attempt = 1;; ++attempt) {
        try {
            HttpResponse response = send_once(request, scopes, sink);
            if (!is_retryable_status(response.status) || attempt >= attempts) return response;
            sleep_for_retry(retry_delay(m_settings.retry, attempt, retry_after_of(response)));
        } catch (TransportError& e) {
            if (e.failure() == TransportFailure::tls_verify)
                e.with_hint(fmt::format("if {0} uses a private CA, name its CA file in ~/.config/mab/mab.yaml: "
                                        "registries: {{\"{0}\": {{ca: /path/to/ca.pem}}}}",
                                        m_host));
            if (!e.retryable() || attempt >= attempts) throw;
            sleep_for_retry(backoff_delay(m_settings.retry, attempt));
        }
    }
}

void Endpoint::fail(const HttpResponse& response, const std::string& what, const Scopes& scopes) const {
    if (response.status == 401) {
        Error e = m_auth.refused(scopes);
        throw Error(e.kind(), fmt::format("{}: {}", what, e.what())).with_hint(e.hint());
    }
    throw Error(ErrorKind::registry, fmt::format("{}: {}", what, describe_status(response)));
}

} // namespace mab::registry
