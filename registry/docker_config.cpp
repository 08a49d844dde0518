#include "registry/docker_config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "oci/json.hpp"
#include "registry/base64.hpp"
#include "registry/url.hpp"

namespace mab::registry {

namespace fs = std::filesystem;

fs::path default_docker_config_path() {
    if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0')
        return fs::path(dir) / "config.json";
    const char* home = std::getenv("HOME");
    return fs::path(home != nullptr && *home != '\0' ? home : "/") / ".docker" / "config.json";
}

bool write_docker_config_auth(const fs::path& path, const std::string& key,
                              const std::optional<DockerConfig::Auth>& auth) {
    std::error_code ec;
    rapidjson::Document doc;
    if (fs::exists(path, ec)) {
        read_docker_config(path);   // refuses a malformed file with the usual message
        std::string text = read_file(path);
        doc.Parse(text.c_str(), text.size());
    }
    if (!doc.IsObject()) doc.SetObject();
    auto& alloc = doc.GetAllocator();
    if (!doc.HasMember("auths") || !doc["auths"].IsObject()) {
        doc.RemoveMember("auths");
        doc.AddMember("auths", rapidjson::Value(rapidjson::kObjectType), alloc);
    }
    rapidjson::Value& auths = doc["auths"];
    bool existed = auths.RemoveMember(key.c_str());
    if (auth) {
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("auth", rapidjson::Value(base64_encode(auth->username + ":" + auth->password).c_str(), alloc),
                        alloc);
        auths.AddMember(rapidjson::Value(key.c_str(), alloc), entry, alloc);
    }
    rapidjson::StringBuffer out;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(out);
    writer.SetIndent('\t', 1);
    doc.Accept(writer);
    fs::create_directories(path.parent_path(), ec);
    write_file_atomically(path, std::string(out.GetString(), out.GetSize()) + "\n", 0600);
    return existed;
}

std::string docker_config_key(const std::string& host) {
    if (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io")
        return "https://index.docker.io/v1/";
    return host;
}

std::string host_of_config_key(const std::string& key) {
    return host_of_url(key);
}

DockerConfig read_docker_config(const fs::path& path) {
    DockerConfig config;
    config.path = path;
    std::error_code ec;
    if (!fs::exists(path, ec)) return config;
    std::string text = read_file(path);
    oci::json::Document doc(text, "docker config", path.string());
    oci::json::Node root(doc);

    if (auto auths = root.get("auths")) {
        for (const auto& [key, entry] : auths->members()) {
            DockerConfig::Auth auth;
            std::string encoded = entry.string_or_empty("auth");
            if (!encoded.empty()) {
                std::optional<std::string> decoded = base64_decode(encoded);
                size_t colon = decoded ? decoded->find(':') : std::string::npos;
                if (colon == std::string::npos)
                    throw Error(ErrorKind::input,
                                fmt::format("invalid docker config {}: auths.\"{}\".auth is not base64 of "
                                            "user:password",
                                            path.string(), key));
                auth.username = decoded->substr(0, colon);
                auth.password = decoded->substr(colon + 1);
            } else {
                auth.username = entry.string_or_empty("username");
                auth.password = entry.string_or_empty("password");
            }
            config.auths[key] = std::move(auth);
        }
    }
    config.creds_store = root.string_or_empty("credsStore");
    if (auto helpers = root.get("credHelpers")) config.cred_helpers = helpers->string_map();
    return config;
}

} // namespace mab::registry
