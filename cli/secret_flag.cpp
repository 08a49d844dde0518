#include "cli/secret_flag.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/suggest.hpp"

namespace mab::cli {

namespace {

std::vector<std::string> split_commas(const std::string& value) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t comma = value.find(',', start);
        out.push_back(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

Error usage(const std::string& message) { return Error(ErrorKind::usage, message); }

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

} // namespace

std::pair<std::string, engine::ops::SecretSource> parse_secret_flag(const std::string& value) {
    std::string id, type, file, env;
    for (const std::string& field : split_commas(value)) {
        size_t eq = field.find('=');
        if (eq == std::string::npos)
            throw usage(fmt::format("--secret {}: invalid field '{}' must be a key=value pair", value, field));
        std::string key = lower(field.substr(0, eq));
        std::string v = field.substr(eq + 1);
        if (key == "type") {
            if (v != "file" && v != "env") throw usage(fmt::format("--secret {}: unsupported secret type \"{}\"", value, v));
            type = v;
        } else if (key == "id") {
            id = v;
        } else if (key == "src" || key == "source") {
            file = v;
        } else if (key == "env") {
            env = v;
        } else {
            throw usage(with_suggestion(fmt::format("--secret {}: unexpected key '{}' in '{}'", value, key, field), key,
                                        {"id", "type", "src", "source", "env"}));
        }
    }
    if (id.empty()) throw usage(fmt::format("--secret {}: secret missing ID", value));
    if (type == "env" && env.empty()) {
        env = file;
        file.clear();
    }
    if (env.empty() && file.empty()) {
        if (type == "env" || (type.empty() && std::getenv(id.c_str()) != nullptr)) env = id;
        else file = id;
    }
    engine::ops::SecretSource source;
    if (!env.empty() && type != "file") {
        source.kind = engine::ops::SecretSource::Kind::env;
        source.name = env;
        return {id, source};
    }
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw usage(fmt::format("--secret {}: {} is not a readable file", value, file));
    source.name = std::filesystem::absolute(file).string();
    return {id, source};
}

std::pair<std::string, std::filesystem::path> parse_ssh_flag(const std::string& value) {
    std::string id = value, path;
    if (size_t eq = value.find('='); eq != std::string::npos) {
        id = value.substr(0, eq);
        path = value.substr(eq + 1);
        if (path.find(',') != std::string::npos)
            throw usage(fmt::format("--ssh {}: mab forwards one agent socket per id", value));
    }
    if (id.empty()) throw usage(fmt::format("--ssh {}: empty id", value));
    if (path.empty()) {
        if (id != "default")
            throw usage(fmt::format("--ssh {}: expected default or ID=SOCKET", value));
        const char* sock = std::getenv("SSH_AUTH_SOCK");
        if (sock == nullptr || *sock == '\0')
            throw usage("--ssh default: invalid empty SSH agent socket, make sure SSH_AUTH_SOCK is set");
        path = sock;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
        throw usage(fmt::format("--ssh {}: {} is not a socket (mab forwards ssh-agent sockets, not key files)", value,
                                path));
    return {id, std::filesystem::absolute(path)};
}

} // namespace mab::cli
