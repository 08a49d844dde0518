#include "cli/build_call.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/call_printer.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/outline.hpp"

namespace mab::cli {

int run_build_call(const BuildRequest& request, CommandContext& ctx) {
    const std::string name = dockerfile_display_name(request);
    std::string text = read_dockerfile(request);
    ctx.sources->add(name, text);
    std::shared_ptr<const dockerfile::ParsedDockerfile> parsed = dockerfile::parse(text, name);
    for (const std::string& warning : dockerfile::parse_warnings(*parsed)) fmt::print(stderr, "WARNING: {}\n", warning);

    const bool json = request.call.format == CallRequest::Format::json;
    if (request.call.kind == CallRequest::Kind::targets) {
        std::vector<dockerfile::TargetInfo> targets = dockerfile::list_targets(*parsed);
        fmt::print("{}", json ? targets_json(targets, text) : targets_text(targets));
        return 0;
    }
    // The build args as the first platform's build would see them.
    dockerfile::LowerRequest lower_request;
    lower_request.build_args = request.build_args;
    lower_request.target = request.target;
    lower_request.target_platform = request.platforms.front();
    lower_request.build_platform = oci::Platform::host();
    dockerfile::Outline outline = dockerfile::outline(*parsed, lower_request);
    fmt::print("{}", json ? outline_json(outline, text) : outline_text(outline));
    return 0;
}

} // namespace mab::cli
