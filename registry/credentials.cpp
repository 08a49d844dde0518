#include "registry/credentials.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "oci/json.hpp"
#include "registry/subprocess.hpp"

namespace mab::registry {

namespace {

constexpr std::chrono::seconds k_helper_timeout{60};

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    if (line.size() > 200) line = line.substr(0, 200) + "...";
    return line;
}

} // namespace

CredentialStore::CredentialStore(std::filesystem::path config_file, std::string helper_search_path, Lookup lookup)
    : m_config_file(std::move(config_file)), m_helper_search_path(std::move(helper_search_path)),
      m_lookup(std::move(lookup)) {}

CredentialStore::CredentialStore(Credentials fixed) : m_fixed(std::move(fixed)) {}

std::optional<Credentials> CredentialStore::find(const std::string& host) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_fixed) return m_fixed;
    auto cached = m_cache.find(host);
    if (cached != m_cache.end()) return cached->second;
    std::optional<Credentials> found = m_lookup ? m_lookup(host) : lookup(host);
    m_cache[host] = found;
    return found;
}

std::optional<Credentials> CredentialStore::lookup(const std::string& host) const {
    if (!m_config) m_config = read_docker_config(m_config_file);
    const DockerConfig& config = *m_config;
    std::string wanted = host_of_config_key(docker_config_key(host));

    std::string helper = helper_for(host);
    if (!helper.empty()) return run_helper(helper, host);
    for (const auto& [entry_key, auth] : config.auths) {
        if (host_of_config_key(entry_key) != wanted) continue;
        if (auth.username.empty() && auth.password.empty()) continue;
        return Credentials{auth.username, auth.password, config.path.string()};
    }
    return std::nullopt;
}

std::string CredentialStore::helper_for(const std::string& host) const {
    if (!m_config) m_config = read_docker_config(m_config_file);
    std::string wanted = host_of_config_key(docker_config_key(host));
    for (const auto& [helper_host, helper] : m_config->cred_helpers)
        if (host_of_config_key(helper_host) == wanted) return helper;
    return m_config->creds_store;
}

std::string CredentialStore::helper_program(const std::string& helper, const std::string& host) const {
    std::string program = "docker-credential-" + helper;
    if (helper.find('/') != std::string::npos)
        throw Error(ErrorKind::input, fmt::format("{}: invalid credential helper name \"{}\"",
                                                  m_config_file.string(), helper));
    if (find_program(program, m_helper_search_path).empty())
        throw Error(ErrorKind::registry,
                    fmt::format("{} names the credential helper {} for {}, but it is not on PATH",
                                m_config_file.string(), program, host));
    return program;
}

std::string CredentialStore::save_helper(const std::string& host) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return helper_for(host);
}

void CredentialStore::forget() const {
    m_config.reset();
    m_cache.clear();
}

void CredentialStore::save(const std::string& host, const std::string& username, const std::string& secret) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string helper = helper_for(host);
    forget();
    if (helper.empty()) {
        write_docker_config_auth(m_config_file, docker_config_key(host), DockerConfig::Auth{username, secret});
        return;
    }
    std::string program = helper_program(helper, host);
    oci::json::Writer json;
    try {
        json.begin_object();
        json.member("ServerURL", docker_config_key(host));
        json.member("Username", username);
        json.member("Secret", secret);
        json.end_object();
    } catch (const Error&) {
        // The writer's message would quote the value: say it without.
        throw Error(ErrorKind::input, fmt::format("the user name or password for {} is not valid UTF-8", host));
    }
    std::string input = json.take();
    ProcessResult r = run_process({program, "store"}, input, k_helper_timeout, m_helper_search_path);
    if (r.exit_code != 0)
        throw Error(ErrorKind::registry, fmt::format("{} store for {} failed (exit {}): {}", program, host,
                                                     r.exit_code, first_line(r.err.empty() ? r.out : r.err)));
}

bool CredentialStore::erase(const std::string& host) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::string helper = helper_for(host);
    forget();
    if (helper.empty()) return write_docker_config_auth(m_config_file, docker_config_key(host), std::nullopt);
    std::string program = helper_program(helper, host);
    ProcessResult r = run_process({program, "erase"}, docker_config_key(host), k_helper_timeout, m_helper_search_path);
    if (r.exit_code == 0) return true;
    if (r.out.find("credentials not found") != std::string::npos ||
        r.err.find("credentials not found") != std::string::npos)
        return false;
    throw Error(ErrorKind::registry, fmt::format("{} erase for {} failed (exit {}): {}", program, host, r.exit_code,
                                                 first_line(r.err.empty() ? r.out : r.err)));
}

std::optional<Credentials> CredentialStore::run_helper(const std::string& helper, const std::string& host) const {
    std::string program = helper_program(helper, host);
    ProcessResult r = run_process({program, "get"}, docker_config_key(host), k_helper_timeout, m_helper_search_path);
    if (r.exit_code != 0) {
        // docker-credential-helpers' "not found" message: no credentials, not a failure.
        if (r.out.find("credentials not found") != std::string::npos ||
            r.err.find("credentials not found") != std::string::npos)
            return std::nullopt;
        throw Error(ErrorKind::registry, fmt::format("{} get for {} failed (exit {}): {}", program, host,
                                                     r.exit_code, first_line(r.err.empty() ? r.out : r.err)));
    }
    oci::json::Document doc(r.out, "credential helper answer from", program);
    oci::json::Node root(doc);
    Credentials creds{root.string_or_empty("Username"), root.string_or_empty("Secret"), program};
    if (creds.username.empty() && creds.secret.empty()) return std::nullopt;
    return creds;
}

} // namespace mab::registry
