// `mab build` flags as types: everything below the CLI sees this, never a raw flag.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/cache_flags.hpp"
#include "cli/call_flag.hpp"
#include "cli/config_file.hpp"
#include "cli/error_printer.hpp"
#include "cli/progress_mode.hpp"
#include "cli/progress_printer.hpp"
#include "engine/ops/run_mounts.hpp"
#include "exporter/exporter.hpp"
#include "oci/platform.hpp"
#include "registry/settings.hpp"
#include "snapshotter/snapshotter.hpp"

namespace mab::cli {

// --build-context NAME=oci-layout://DIR[:TAG|@DIGEST] (a base image from a local
// layout), NAME=docker-image://REF (FROM NAME uses image REF from its registry) or
// NAME=DIR (a local directory, read like the build context: cli/build_contexts.hpp).
struct ImageContext {
    enum class Kind { oci_layout, docker_image, local_dir } kind = Kind::oci_layout;
    std::filesystem::path dir;  // oci_layout, local_dir
    std::string ref;            // oci_layout: tag, digest or "" (the only image); docker_image: the reference
};

struct BuildRequest {
    std::string name;  // mab bake: the target's name, for progress lines and messages; empty for mab build
    std::filesystem::path context;
    std::string dockerfile;                     // path, or "-" for stdin
    std::vector<oci::Platform> platforms;       // never empty
    std::map<std::string, std::string> build_args;
    std::string target;
    bool allow_insecure = false;                // --allow security.insecure
    std::map<std::string, std::string> labels;
    std::vector<std::string> tags;
    std::optional<exporter::OutputSpec> output;
    bool load = false;                          // --load: `output` is set when the loader is chosen
    bool export_each_platform = false;          // --load of several platforms: OUTPUT-0, OUTPUT-1…
    std::string iidfile;
    std::string metadata_file;
    ProgressMode progress = ProgressMode::automatic;
    bool no_cache = false;
    std::vector<std::string> no_cache_filter;   // --no-cache-filter stage names (or indexes)
    std::vector<CacheSpec> cache_from;          // --cache-from, in order
    std::vector<CacheSpec> cache_to;            // --cache-to
    std::optional<snapshotter::SnapshotterChoice> snapshotter;  // --snapshotter, else mab.yaml; unset: auto
    std::optional<int> max_parallelism;  // steps run at once: --max-parallelism, else mab.yaml; unset: cores
    std::optional<int64_t> source_date_epoch;
    std::map<std::string, ImageContext> image_contexts;  // by the name FROM uses
    bool pull = false;  // --pull: accepted; mab keeps no image cache, so tags are always resolved anew
    CallRequest call;   // --call / --print: build (the default), or report on the Dockerfile
    std::map<std::string, engine::ops::SecretSource> secrets;       // --secret, by id (where, never the value)
    std::map<std::string, std::filesystem::path> ssh_sockets;       // --ssh, by id
};

// --max-parallelism / mab.yaml's max-parallelism: a number from 1 to
// k_max_parallelism_limit, else Error(usage) naming `origin` (the flag or file:line).
inline constexpr int k_max_parallelism_limit = 1024;
int parse_max_parallelism(const std::string& text, const std::string& origin);

// Parses `mab build` arguments; throws Error(usage) naming the flag on bad input.
// Returns nullopt when --help was asked for (the help is printed).
std::optional<BuildRequest> parse_build_request(const std::vector<std::string>& args);

struct BuildOutcome {
    std::string image_digest;   // containerimage.digest (index or manifest), may be empty
    std::string image_media_type;  // containerimage.descriptor, with image_digest and image_size
    int64_t image_size = 0;
    std::string config_digest;  // single platform only
    std::string image_name;     // image.name: the names pushed to (comma-separated)
    int executed = 0;
    int cached = 0;
    std::string snapshotter;  // the one the build used: "overlay" or "native"
};

// The Dockerfile's text (-f PATH, "-" for stdin), and the name errors show for it.
std::string read_dockerfile(const BuildRequest& request);
std::string dockerfile_display_name(const BuildRequest& request);

// Runs the build: read -> parse -> lower per platform -> solve -> assemble -> export.
// `registry` serves pulls and pushes.
BuildOutcome run_build(const BuildRequest& request, const std::filesystem::path& root,
                       const registry::Settings& registry, SourceRegistry& sources);

// Several builds as one request (mab bake): each is read and lowered per platform, all
// their roots are solved by ONE engine::Solver (a vertex several requests share, such as
// a common base stage, runs once), then each request's output is exported in order. The
// requests share one runner, so the first request's progress mode and snapshotter apply
// to all, those with an output must need the same layer settings, and a no-cache
// request rebuilds work the others share. The solve counters (executed, cached) are the whole solve's.
std::vector<BuildOutcome> run_builds(const std::vector<BuildRequest>& requests, const std::filesystem::path& root,
                                     const registry::Settings& registry, SourceRegistry& sources);

} // namespace mab::cli
