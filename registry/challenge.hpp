// WWW-Authenticate challenges (RFC 7235) as registries send them:
//   Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"
//   Basic realm="Registry Realm"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mab::registry {

struct Challenge {
    std::string scheme;                          // lower-case: "bearer", "basic"
    std::map<std::string, std::string> params;   // keys lower-case: "realm", "service", ...

    std::string param(const std::string& key) const {
        auto it = params.find(key);
        return it == params.end() ? std::string() : it->second;
    }
};

// Parses one header value, which may hold several challenges. Malformed parts are
// skipped (a registry's odd header must not stop a pull that needs no auth).
std::vector<Challenge> parse_challenges(std::string_view header);

} // namespace mab::registry
