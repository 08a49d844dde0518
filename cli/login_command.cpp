// `mab login [SERVER]` and `mab logout [SERVER]` with docker's flags and messages. A
// login is checked against the registry (registry::RegistryClient::verify_login) before
// it is saved where docker keeps it (credential helper or config.json), so a wrong
// password is never stored. The password comes from --password-stdin, -p (with docker's
// warning), or a prompt without echo when stdin is a terminal; it is never printed.
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "cli/registry_settings.hpp"
#include "cli/storage_root.hpp"
#include "registry/credentials.hpp"
#include "registry/docker_config.hpp"
#include "registry/registry_client.hpp"
#include "registry/url.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_login_flags{
    {"username", 'u', "string", "Username", ""},
    {"password", 'p', "string", "Password (insecure: it shows in the process list; use --password-stdin)", ""},
    {"password-stdin", 0, "", "Take the password from stdin", ""},
    {"help", 'h', "", "Show this help", ""},
};

const std::vector<FlagSpec> k_logout_flags{
    {"help", 'h', "", "Show this help", ""},
};

// The registry host a SERVER argument names, as references spell hosts: "docker.io" for
// Docker Hub however it is written, "localhost:5000" for "http://localhost:5000/".
std::string server_host(const std::optional<std::string>& server) {
    if (!server) return "docker.io";
    std::string host = registry::host_of_url(*server);
    if (host.empty()) throw Error(ErrorKind::usage, fmt::format("invalid registry \"{}\"", *server));
    if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
    return host;
}

std::optional<std::string> server_argument(const ParsedFlags& flags, const char* command) {
    if (flags.positional.size() > 1)
        throw Error(ErrorKind::usage, fmt::format("mab {} takes at most 1 argument (the registry), got {}", command,
                                                  flags.positional.size()));
    if (flags.positional.empty()) return std::nullopt;
    return flags.positional.front();
}

// Turns terminal echo off while it lives.
class EchoOff {
public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &m_saved) != 0) return;
        termios quiet = m_saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        m_active = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~EchoOff() {
        if (m_active) ::tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

// One line from stdin, without its newline.
std::string read_line() {
    std::string line;
    for (int c; (c = std::getchar()) != EOF && c != '\n';) line += static_cast<char>(c);
    return line;
}

std::string prompt(const char* label, bool echo) {
    if (::isatty(STDIN_FILENO) == 0)
        throw Error(ErrorKind::usage, "Cannot perform an interactive login from a non TTY device")
            .with_hint("pass the user with -u and the password on stdin: ... | mab login -u USER --password-stdin");
    // Echo goes off before the prompt shows: whatever is typed after it stays unseen.
    std::optional<EchoOff> quiet;
    if (!echo) quiet.emplace();
    fmt::print("{}", label);
    std::fflush(stdout);
    std::string line = read_line();
    if (!echo) fmt::print("\n");
    return line;
}

// All of stdin without the final newline, as docker reads --password-stdin.
std::string password_from_stdin() {
    std::string text;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read", "--password-stdin");
        if (n == 0) break;
        text.append(buffer, static_cast<size_t>(n));
    }
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
}

struct Login {
    std::string username;
    std::string password;
};

Login login_from_flags(const ParsedFlags& flags) {
    Login login;
    login.username = flags.last("username").value_or("");
    if (flags.has("password")) {
        fmt::print(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
        if (flags.flag("password-stdin"))
            throw Error(ErrorKind::usage, "--password and --password-stdin are mutually exclusive");
        login.password = *flags.last("password");
    }
    if (flags.flag("password-stdin")) {
        if (login.username.empty())
            throw Error(ErrorKind::usage, "Must provide --username with --password-stdin");
        login.password = password_from_stdin();
    }
    return login;
}

std::filesystem::path docker_config_of(const registry::Settings& settings) {
    return settings.docker_config.empty() ? registry::default_docker_config_path() : settings.docker_config;
}

void print_unencrypted_warning(const std::filesystem::path& config) {
    fmt::print(stderr,
               "WARNING! Your password will be stored unencrypted in {}.\n"
               "Configure a credential helper to remove this warning. See\n"
               "https://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n",
               config.string());
}

} // namespace

int run_login_command(const std::vector<std::string>& args, CommandContext& ctx) {
    ParsedFlags flags = parse_flags(args, k_login_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab login [OPTIONS] [SERVER]\n\n"
                   "Log in to a registry (default: Docker Hub). The login is checked with the registry,\n"
                   "then saved where docker keeps it: the credential helper of $DOCKER_CONFIG/config.json\n"
                   "(~/.docker/config.json), or the file itself.\n\n"
                   "Options:\n{}\nExamples:\n"
                   "  echo \"$TOKEN\" | mab login -u ci-bot --password-stdin registry.example.com\n"
                   "  mab login localhost:5000\n",
                   format_flag_help(k_login_flags));
        return 0;
    }
    const std::string host = server_host(server_argument(flags, "login"));
    Login login = login_from_flags(flags);

    registry::Settings settings = registry_settings(ctx.config);
    const std::filesystem::path config = docker_config_of(settings);
    registry::CredentialStore store(config, settings.helper_search_path);
    oci::ContentStore content(StorageRoot(ctx.global.root).content_dir());
    registry::RegistryClient client(settings, content);

    // Like docker: with nothing given, the saved login is tried first.
    if (login.username.empty() && login.password.empty()) {
        if (std::optional<registry::Credentials> saved = store.find(host)) {
            fmt::print("Authenticating with existing credentials...\n");
            try {
                client.verify_login(host, saved->username, saved->secret);
                fmt::print("Login Succeeded\n");
                return 0;
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::cancelled) throw;
                fmt::print(stderr, "Login did not succeed, error: {}\n", e.what());
            }
        }
    }
    if (login.username.empty()) login.username = prompt("Username: ", true);
    if (login.username.empty()) throw Error(ErrorKind::usage, "Username is required");
    if (login.password.empty()) login.password = prompt("Password: ", false);
    if (login.password.empty()) throw Error(ErrorKind::usage, "Password is required");

    client.verify_login(host, login.username, login.password);
    if (store.save_helper(host).empty()) print_unencrypted_warning(config);
    store.save(host, login.username, login.password);
    fmt::print("Login Succeeded\n");
    return 0;
}

int run_logout_command(const std::vector<std::string>& args, CommandContext& ctx) {
    ParsedFlags flags = parse_flags(args, k_logout_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab logout [SERVER]\n\n"
                   "Remove the saved login for a registry (default: Docker Hub).\n\n"
                   "Options:\n{}",
                   format_flag_help(k_logout_flags));
        return 0;
    }
    const std::string host = server_host(server_argument(flags, "logout"));
    registry::Settings settings = registry_settings(ctx.config);
    registry::CredentialStore store(docker_config_of(settings), settings.helper_search_path);
    if (!store.erase(host)) {
        fmt::print("Not logged in to {}\n", host);
        return 0;
    }
    fmt::print("Removing login credentials for {}\n", host);
    return 0;
}

} // namespace mab::cli
