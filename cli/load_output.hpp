// `--load`: no daemon is needed to build, but a user who wants the image in docker or
// podman gets it there. Before the build mab picks the CLI (and refuses what cannot
// work, before any step runs); the build writes an archive under the storage root; the
// outside runner then loads it: one platform as a docker archive (`docker load` or
// `podman load`), several platforms into podman as a manifest list named by the first
// -t (each platform's docker archive loaded, then `podman manifest add`; more -t are
// tags of the list). docker cannot hold a manifest list: refused as buildx refuses it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/build_request.hpp"
#include "cli/outside_runner.hpp"
#include "exporter/exporter.hpp"
#include "oci/platform.hpp"

namespace mab::cli {

struct LoadPlan {
    std::string program;  // the docker or podman CLI, a full path
    bool podman = false;
    std::filesystem::path archive;  // where the build writes what is loaded
};

// Picks docker or podman from $PATH for `platforms` (a docker CLI whose daemon does not
// answer is passed over for podman). Throws Error(usage) naming the alternatives when
// nothing can load the result. Runs programs itself: call it outside the namespace.
LoadPlan plan_load(const std::vector<oci::Platform>& platforms, const std::vector<std::string>& tags,
                   const std::filesystem::path& archive);

// The output the build writes for the plan: a docker archive (one per platform, named
// ARCHIVE-0, ARCHIVE-1…, when there are several: BuildRequest::export_each_platform).
exporter::OutputSpec load_output(const LoadPlan& plan);

// --load for one build: plan_load for its platforms and tags, and its output set to
// the archive (of each platform when there are several). Call it outside the namespace.
LoadPlan prepare_load(BuildRequest& request, const std::filesystem::path& archive);

// Loads the archive through `outside` and removes it; returns the CLI's own report
// ("Loaded image: …" lines).
std::string load_result(const LoadPlan& plan, const std::vector<oci::Platform>& platforms,
                        const std::vector<std::string>& tags, OutsideRunner& outside);

} // namespace mab::cli
