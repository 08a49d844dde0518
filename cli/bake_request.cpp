#include "cli/bake_request.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "base/error.hpp"

namespace mab::cli {

std::vector<std::string> bake_build_args(const BakeTarget& t, const std::vector<std::string>& common) {
    const std::filesystem::path context = t.context.value_or(".");
    const std::filesystem::path dockerfile = t.dockerfile.value_or("Dockerfile");
    std::vector<std::string> args{"--file", dockerfile.is_absolute() ? dockerfile.string()
                                                                     : (context / dockerfile).string()};
    auto add_each = [&args](const char* flag, const std::optional<std::vector<std::string>>& values) {
        if (!values) return;
        for (const std::string& v : *values) args.insert(args.end(), {flag, v});
    };
    for (const auto& [k, v] : t.args) args.insert(args.end(), {"--build-arg", k + "=" + v});
    for (const auto& [k, v] : t.labels) args.insert(args.end(), {"--label", k + "=" + v});
    add_each("--tag", t.tags);
    add_each("--platform", t.platforms);
    add_each("--output", t.output);
    add_each("--cache-from", t.cache_from);
    add_each("--cache-to", t.cache_to);
    if (t.target) args.insert(args.end(), {"--target", *t.target});
    if (t.no_cache.value_or(false)) args.push_back("--no-cache");
    if (t.pull.value_or(false)) args.push_back("--pull");
    args.insert(args.end(), common.begin(), common.end());
    args.push_back("--");
    args.push_back(context.string());
    return args;
}

BuildRequest bake_build_request(const std::string& name, const BakeTarget& target,
                                const std::vector<std::string>& common) {
    try {
        std::optional<BuildRequest> request = parse_build_request(bake_build_args(target, common));
        request->name = name;
        return *request;
    } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("target \"{}\" ({}): {}", name, target.origin, e.what()))
            .with_hint(e.hint());
    }
}

} // namespace mab::cli
