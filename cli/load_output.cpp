#include "cli/load_output.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "registry/reference.hpp"
#include "registry/subprocess.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::chrono::seconds k_probe_timeout{15};
constexpr std::chrono::seconds k_load_timeout{3600};

std::string last_line(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

registry::ProcessResult checked(OutsideRunner& outside, const std::vector<std::string>& argv) {
    registry::ProcessResult result = outside.run(argv, k_load_timeout);
    if (result.exit_code != 0) {
        std::string shown;
        for (const std::string& a : argv) shown += (shown.empty() ? "" : " ") + a;
        throw Error(ErrorKind::io, fmt::format("--load: {} failed (exit status {}): {}", shown, result.exit_code,
                                               trimmed(result.err)));
    }
    return result;
}

} // namespace

LoadPlan plan_load(const std::vector<oci::Platform>& platforms, const std::vector<std::string>& tags,
                   const fs::path& archive) {
    const std::string docker = registry::find_program("docker");
    const std::string podman = registry::find_program("podman");
    const std::string alternatives =
        "write the image to a file instead: -o type=docker,dest=image.tar (one platform, for docker load) or "
        "-o type=oci,dest=image.tar (any platforms)";
    if (platforms.size() > 1) {
        if (podman.empty() && !docker.empty())
            throw Error(ErrorKind::usage, "docker exporter does not currently support exporting manifest lists")
                .with_hint("--load of several platforms needs podman (it keeps manifest lists), or " + alternatives);
        if (!podman.empty() && tags.empty())
            throw Error(ErrorKind::usage, "--load of several platforms makes a podman manifest list, which needs a name")
                .with_hint("add -t NAME");
        if (!podman.empty()) return {podman, true, archive};
    } else {
        std::string docker_error;
        if (!docker.empty()) {
            registry::ProcessResult info =
                registry::run_process({docker, "info", "--format", "{{.ServerVersion}}"}, "", k_probe_timeout);
            if (info.exit_code == 0) return {docker, false, archive};
            docker_error = last_line(info.err);
        }
        if (!podman.empty()) return {podman, true, archive};
        if (!docker.empty())
            throw Error(ErrorKind::usage, fmt::format("--load: the docker CLI cannot reach its daemon: {}", docker_error))
                .with_hint("start docker, install podman, or " + alternatives);
    }
    throw Error(ErrorKind::usage, "--load needs a docker or podman CLI on PATH, and there is none")
        .with_hint(alternatives);
}

exporter::OutputSpec load_output(const LoadPlan& plan) {
    exporter::OutputSpec spec;
    spec.type = exporter::OutputType::docker;
    spec.dest = plan.archive.string();
    return spec;
}

LoadPlan prepare_load(BuildRequest& request, const fs::path& archive) {
    LoadPlan plan = plan_load(request.platforms, request.tags, archive);
    request.output = load_output(plan);
    request.output->source_date_epoch = request.source_date_epoch;
    // One docker archive per platform for podman (its oci-archive transport gives every
    // platform of a nested index one image ID), each without tags: the list gets them.
    request.export_each_platform = request.platforms.size() > 1;
    if (request.platforms.size() == 1) request.output->names = request.tags;
    exporter::check_output(*request.output);
    return plan;
}

std::string load_result(const LoadPlan& plan, const std::vector<oci::Platform>& platforms,
                        const std::vector<std::string>& tags, OutsideRunner& outside) {
    std::vector<fs::path> archives;
    if (platforms.size() == 1) {
        archives.push_back(plan.archive);
    } else {
        for (size_t i = 0; i < platforms.size(); ++i) archives.push_back(fmt::format("{}-{}", plan.archive.string(), i));
    }
    struct RemoveArchives {
        const std::vector<fs::path>& paths;
        ~RemoveArchives() {
            std::error_code ignored;
            for (const fs::path& p : paths) fs::remove(p, ignored);
        }
    } remove_archives{archives};
    if (platforms.size() == 1) return checked(outside, {plan.program, "load", "-i", plan.archive.string()}).out;

    // podman: each platform's image into its storage, then a manifest list of them.
    const std::string list = registry::Reference::parse(tags.front()).str();
    outside.run({plan.program, "manifest", "rm", list}, k_load_timeout);  // a list of that name is replaced
    checked(outside, {plan.program, "manifest", "create", list});
    std::string report;
    for (size_t i = 0; i < platforms.size(); ++i) {
        // "Loaded image: sha256:…" (the archive has no tags): the image ID.
        std::string loaded = last_line(checked(outside, {plan.program, "load", "-q", "-i", archives[i].string()}).out);
        std::string id = loaded.substr(loaded.rfind(' ') == std::string::npos ? 0 : loaded.rfind(' ') + 1);
        if (id.rfind("sha256:", 0) == 0) id = id.substr(7);
        checked(outside, {plan.program, "manifest", "add", list, "containers-storage:" + id});
        report += fmt::format("Loaded image: {} ({})\n", id, platforms[i].str());
    }
    for (size_t i = 1; i < tags.size(); ++i)
        checked(outside, {plan.program, "tag", list, registry::Reference::parse(tags[i]).str()});
    return report + fmt::format("Loaded manifest list: {}\n", list);
}

} // namespace mab::cli
