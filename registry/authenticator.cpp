#include "registry/authenticator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "oci/json.hpp"
#include "registry/base64.hpp"
#include "registry/challenge.hpp"
#include "registry/retry.hpp"
#include "registry/url.hpp"

namespace mab::registry {

namespace {

constexpr int64_t k_default_token_lifetime = 60;   // seconds, as the token spec says

std::string scope_key(const Scopes& scopes) {
    std::vector<std::string> parts;
    for (const Scope& s : scopes) parts.push_back(s.str());
    std::sort(parts.begin(), parts.end());
    parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
    std::string key;
    for (const std::string& p : parts) key += (key.empty() ? "" : " ") + p;
    return key;
}

std::string scope_list(const Scopes& scopes) {
    std::string out;
    for (const Scope& s : scopes) out += (out.empty() ? "" : ", ") + s.str();
    return out;
}

std::string basic_header(const Credentials& creds) {
    return "Authorization: Basic " + base64_encode(creds.username + ":" + creds.secret);
}

} // namespace

Authenticator::Authenticator(std::string host, const Settings& settings, const HttpTransport& transport,
                             const CredentialStore& credentials)
    : m_host(std::move(host)), m_settings(settings), m_transport(transport), m_credentials(credentials) {}

std::optional<std::string> Authenticator::header_for(const Scopes& scopes) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_mode == Mode::basic) {
        std::optional<Credentials> creds = m_credentials.find(m_host);
        if (creds) return basic_header(*creds);
    }
    if (m_mode == Mode::bearer) {
        auto it = m_tokens.find(scope_key(scopes));
        if (it != m_tokens.end() && std::chrono::steady_clock::now() < it->second.refresh_at)
            return "Authorization: Bearer " + it->second.value;
        // Expired or never fetched: get one now rather than earn a 401 first.
        if (!m_realm.empty()) {
            fetch_token(m_realm, m_service, scopes);
            return "Authorization: Bearer " + m_tokens[scope_key(scopes)].value;
        }
    }
    return std::nullopt;
}

void Authenticator::on_unauthorized(const HttpResponse& response, const Scopes& scopes,
                                    const std::optional<std::string>& sent) {
    std::lock_guard<std::mutex> lock(m_mutex);
    // Parallel requests meet the same challenge: the first one through gets the token.
    if (m_mode == Mode::bearer) {
        auto it = m_tokens.find(scope_key(scopes));
        if (it != m_tokens.end() && std::chrono::steady_clock::now() < it->second.refresh_at &&
            sent != "Authorization: Bearer " + it->second.value)
            return;
    }
    if (m_mode == Mode::basic && !sent) return;
    std::vector<Challenge> challenges = parse_challenges(response.header("www-authenticate").value_or(""));
    auto bearer = std::find_if(challenges.begin(), challenges.end(),
                               [](const Challenge& c) { return c.scheme == "bearer"; });
    auto basic = std::find_if(challenges.begin(), challenges.end(),
                              [](const Challenge& c) { return c.scheme == "basic"; });
    if (bearer != challenges.end()) {
        std::string realm = bearer->param("realm");
        if (realm.rfind("https://", 0) != 0 && realm.rfind("http://", 0) != 0)
            throw Error(ErrorKind::registry,
                        fmt::format("{} sent a Bearer challenge without a usable realm URL", m_host));
        m_mode = Mode::bearer;
        m_realm = realm;
        m_service = bearer->param("service");
        fetch_token(m_realm, m_service, scopes);
        return;
    }
    if (basic != challenges.end()) {
        if (!m_credentials.find(m_host)) throw needs_credentials(scopes);
        m_mode = Mode::basic;
        return;
    }
    throw Error(ErrorKind::registry,
                fmt::format("{} answered 401 Unauthorized without a Basic or Bearer challenge", m_host));
}

void Authenticator::fetch_token(const std::string& realm, const std::string& service, const Scopes& scopes) {
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    if (!service.empty()) url += "service=" + percent_encode(service);
    for (const Scope& s : scopes) url += "&scope=" + percent_encode(s.str());

    std::optional<Credentials> creds = m_credentials.find(m_host);
    HostSettings realm_host = settings_for(m_settings, host_of_url(realm));
    HttpRequest request;
    request.url = url;
    request.tls = {!realm_host.skip_tls_verify, realm_host.ca_file};
    request.timeouts = m_settings.timeouts;
    if (creds) request.headers.push_back(basic_header(*creds));
    HttpResponse response = perform_with_retries(m_transport, request, m_settings.retry);

    std::string where = fmt::format("token server {}", url_for_message(realm));
    if (response.status == 401 || response.status == 403) {
        if (!creds) throw needs_credentials(scopes);
        throw Error(ErrorKind::registry,
                    fmt::format("{} rejected the credentials for {} (from {}): {}", where, m_host, creds->source,
                                response.status))
            .with_hint(fmt::format("check the user name and password, or log in again with `mab login {}`", m_host));
    }
    if (!response.ok())
        throw Error(ErrorKind::registry, fmt::format("{} answered {} for {}", where, response.status, scope_list(scopes)));

    oci::json::Document doc(response.body, "answer from", where);
    oci::json::Node root(doc);
    std::string token = root.string_or_empty("token");
    if (token.empty()) token = root.string_or_empty("access_token");
    if (token.empty()) throw Error(ErrorKind::registry, fmt::format("{} sent no token", where));
    int64_t lifetime = k_default_token_lifetime;
    if (auto expires = root.get("expires_in")) lifetime = std::max<int64_t>(1, expires->int64());
    // Refresh early: a token must not expire between our check and the registry's.
    int64_t margin = std::min<int64_t>(30, lifetime / 2);
    m_tokens[scope_key(scopes)] = {token, std::chrono::steady_clock::now() + std::chrono::seconds(lifetime - margin)};
    ++m_tokens_fetched;
}

Error Authenticator::needs_credentials(const Scopes& scopes) const {
    return Error(ErrorKind::registry, fmt::format("{} requires authentication for {}; no credentials for it in {}",
                                                  m_host, scope_list(scopes), m_credentials.describe()))
        .with_hint(fmt::format("log in with `mab login {}` (or docker login)", m_host));
}

Error Authenticator::refused(const Scopes& scopes) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::optional<Credentials> creds = m_credentials.find(m_host);
    if (!creds) return needs_credentials(scopes);
    if (m_mode == Mode::basic)
        return Error(ErrorKind::registry, fmt::format("{} rejected the credentials for it (from {})", m_host,
                                                      creds->source))
            .with_hint(fmt::format("check the user name and password, or log in again with `mab login {}`", m_host));
    return Error(ErrorKind::registry, fmt::format("{} refused access to {} with the credentials from {}", m_host,
                                                  scope_list(scopes), creds->source));
}

int Authenticator::tokens_fetched() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_tokens_fetched;
}

} // namespace mab::registry
