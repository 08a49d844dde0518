#include "frontend-dockerfile/build_args.hpp"

#include <algorithm>
#include <cctype>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

// containerd's FormatAll: the OS version, if any, in parentheses after the OS.
std::string format_all(const oci::Platform& p) {
    std::string out = p.os_version.empty() ? p.os : p.os + "(" + p.os_version + ")";
    out += "/" + p.architecture;
    if (!p.variant.empty()) out += "/" + p.variant;
    return out;
}

const std::vector<std::string>& automatic_arg_names() {
    static const std::vector<std::string> k_names = {
        "BUILDPLATFORM",   "BUILDOS",    "BUILDOSVERSION", "BUILDARCH",     "BUILDVARIANT", "TARGETPLATFORM",
        "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE"};
    return k_names;
}

bool equal_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

const std::vector<std::string>& proxy_names() {
    static const std::vector<std::string> k_names = {"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY",
                                                     "ALL_PROXY"};
    return k_names;
}

} // namespace

std::vector<std::pair<std::string, std::string>> automatic_args(const ParsedDockerfile& dockerfile,
                                                                const LowerRequest& request) {
    const oci::Platform& t = request.target_platform;
    const oci::Platform& b = request.build_platform;
    std::string target = request.target.empty() ? dockerfile.stages.back().name : request.target;
    std::vector<std::string> values = {b.str(), b.os, b.os_version, b.architecture, b.variant, format_all(t),
                                       t.os, t.os_version, t.architecture, t.variant, target};
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < values.size(); ++i) out.emplace_back(automatic_arg_names()[i], values[i]);
    return out;
}

bool is_builtin_build_arg(const std::string& name) {
    for (const std::string& proxy : proxy_names())
        if (equal_ignoring_case(proxy, name)) return true;
    const std::vector<std::string>& automatic = automatic_arg_names();
    return std::find(automatic.begin(), automatic.end(), name) != automatic.end();
}

std::vector<std::pair<std::string, std::string>> proxy_env(const std::map<std::string, std::string>& build_args) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& proxy : proxy_names()) {
        std::string value;
        // In key order, so the last spelling wins, as in BuildKit.
        for (const auto& [name, v] : build_args)
            if (equal_ignoring_case(name, proxy)) value = v;
        if (value.empty()) continue;
        out.emplace_back(proxy, value);
        out.emplace_back(to_lower(proxy), value);
    }
    return out;
}

std::optional<std::string> global_arg_value(const ArgDeclaration& decl, const LowerRequest& request,
                                            const VariableLookup& globals, char escape) {
    if (auto it = request.build_args.find(decl.key); it != request.build_args.end()) return it->second;
    if (decl.value) return expand_word(*decl.value, globals, escape);
    return std::nullopt;
}

std::optional<std::string> stage_arg_value(const ArgDeclaration& decl, const LowerRequest& request,
                                           const VariableLookup& stage, const Variables& globals, char escape) {
    if (auto it = request.build_args.find(decl.key); it != request.build_args.end()) return it->second;
    if (decl.value) return expand_word(*decl.value, stage, escape);
    return globals.get(decl.key);
}

Variables global_args(const ParsedDockerfile& dockerfile, const LowerRequest& request,
                      const std::function<void(const std::string&)>& declared) {
    Variables globals;
    for (auto& [name, value] : automatic_args(dockerfile, request)) {
        auto it = request.build_args.find(name);
        globals.set(name, it != request.build_args.end() ? it->second : value);
    }
    for (const Command& command : dockerfile.global_args) {
        const auto& arg = std::get<ArgInstruction>(command.instruction);
        try {
            for (const ArgDeclaration& decl : arg.args) {
                declared(decl.key);
                if (std::optional<std::string> value = global_arg_value(decl, request, globals.lookup(), dockerfile.escape))
                    globals.set(decl.key, *value);
            }
        } catch (Error& e) {
            e.with_span_if_unset(command.span);
            throw;
        }
    }
    return globals;
}

void lower_arg(StageState& stage, const ArgInstruction& arg, LowerContext& context) {
    const LowerRequest& request = context.request();
    std::string created_by = "ARG";
    for (const ArgDeclaration& decl : arg.args) {
        context.note_declared_arg(decl.key);
        std::optional<std::string> value =
            stage_arg_value(decl, request, stage.lookup(), context.global_args(), context.dockerfile().escape);
        if (value) stage.result.variables.set(decl.key, *value);
        stage.result.arg_names.push_back(decl.key);
        created_by += " " + decl.key + (value ? "=" + *value : "");
    }
    add_history(stage, created_by);
}

} // namespace mab::dockerfile
