#include "frontend-dockerfile/build_args.hpp"

#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

std::vector<std::pair<std::string, std::string>> platform_args(const LowerRequest& request) {
    const oci::Platform& t = request.target_platform;
    const oci::Platform& b = request.build_platform;
    return {
        {"TARGETPLATFORM", t.str()}, {"TARGETOS", t.os},   {"TARGETARCH", t.architecture},
        {"TARGETVARIANT", t.variant}, {"BUILDPLATFORM", b.str()}, {"BUILDOS", b.os},
        {"BUILDARCH", b.architecture}, {"BUILDVARIANT", b.variant},
    };
}

bool is_builtin_build_arg(const std::string& name) {
    static const std::vector<std::string> k_builtin = {
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
        "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy"};
    for (const std::string& b : k_builtin)
        if (b == name) return true;
    // The platform ARGs count as used: they are predefined in the global scope.
    static const std::vector<std::string> k_platform = {
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
        "BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT"};
    for (const std::string& p : k_platform)
        if (p == name) return true;
    return false;
}

Variables global_args(const ParsedDockerfile& dockerfile, const LowerRequest& request,
                      const std::function<void(const std::string&)>& declared) {
    Variables globals;
    for (auto& [name, value] : platform_args(request)) {
        auto it = request.build_args.find(name);
        globals.set(name, it != request.build_args.end() ? it->second : value);
    }
    for (const Command& command : dockerfile.global_args) {
        const auto& arg = std::get<ArgInstruction>(command.instruction);
        try {
            for (const ArgDeclaration& decl : arg.args) {
                declared(decl.key);
                auto it = request.build_args.find(decl.key);
                if (it != request.build_args.end())
                    globals.set(decl.key, it->second);
                else if (decl.value)
                    globals.set(decl.key, expand_word(*decl.value, globals.lookup(), dockerfile.escape));
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
        std::optional<std::string> value;
        if (auto it = request.build_args.find(decl.key); it != request.build_args.end())
            value = it->second;
        else if (decl.value)
            value = expand_word(*decl.value, stage.lookup(), context.dockerfile().escape);
        else
            value = context.global_args().get(decl.key);
        if (value) stage.result.variables.set(decl.key, *value);
        created_by += " " + decl.key + (value ? "=" + *value : "");
    }
    add_history(stage, created_by);
}

} // namespace mab::dockerfile
