// The Dockerfile frontend's front door: parse a Dockerfile once, then lower it once per
// target platform into engine graph states plus the image config the stage defines.
// Nothing here runs anything.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/graph/vertex.hpp"
#include "oci/image.hpp"
#include "oci/image_layout.hpp"
#include "oci/platform.hpp"

namespace mab::dockerfile {

struct ParsedDockerfile;  // parser.hpp

// Also outline.hpp: what `--call outline|targets` reports, without lowering.

// Parses the Dockerfile text. `file_name` is used in error locations ("Dockerfile").
// Syntax errors throw mab::Error(dockerfile) with a SourceSpan.
std::shared_ptr<const ParsedDockerfile> parse(const std::string& text, const std::string& file_name);

// What parsing noticed but accepted ("Dockerfile:5: NoEmptyContinuation: …", ignored
// directives). lower() reports them too.
const std::vector<std::string>& parse_warnings(const ParsedDockerfile& dockerfile);

// Finds a base image by the name FROM uses (a --build-context NAME=oci-layout://…) for a
// platform; nullopt if no such name is known.
using ImageResolver =
    std::function<std::optional<oci::ResolvedImage>(const std::string& name, const oci::Platform& platform)>;

// A --build-context NAME=... as lowering sees it. A named context replaces a stage of
// the same name and an image FROM or COPY --from would otherwise use (BuildKit).
struct NamedContext {
    enum class Kind {
        local_dir,  // a directory: COPY --from=NAME reads it, FROM NAME starts from its files
        image,      // an image (docker-image://, oci-layout://): resolved through resolve_image
    };
    Kind kind = Kind::local_dir;
    std::vector<std::string> exclude_patterns;  // local_dir: its own .dockerignore, parsed
};

struct LowerRequest {
    std::map<std::string, std::string> build_args;  // --build-arg
    std::string target;                             // --target; empty: the last stage
    oci::Platform target_platform;
    oci::Platform build_platform;
    std::map<std::string, std::string> labels;      // --label, applied last
    std::optional<int64_t> source_date_epoch;
    // Name the platform in step descriptions ("[linux/arm64 2/3] COPY …"), as BuildKit
    // does when a build has several target platforms. Descriptions are not in digests.
    bool prefix_platform = false;
    ImageResolver resolve_image;                    // empty: no base images available
    // The build context's exclude patterns (its .dockerignore, parsed by parse_dockerignore).
    std::vector<std::string> context_excludes = {};
    // The local source the build context is read from; mab bake names each distinct
    // context directory of one solve apart ("context", "context-2", …).
    std::string context_source = "context";
    std::map<std::string, NamedContext> named_contexts = {};  // by name (lower case)
    bool allow_insecure = false;  // --allow security.insecure (RUN --security=insecure)
};

// One step of image history; steps that create a layer name the vertex that makes it,
// so the exporter can mark steps whose change turned out empty as empty_layer.
struct HistoryStep {
    std::string created_by;          // "COPY a.txt /app/ # buildkit" style text
    std::optional<oci::Digest> layer_vertex;
    std::optional<oci::HistoryEntry> from_base;  // an entry of the base image, kept as is
};

struct LoweredImage {
    engine::graph::State rootfs;
    oci::ImageConfig config;         // platform and runtime config; no diff_ids or history
    std::vector<HistoryStep> history;
    std::vector<std::string> warnings;  // "Dockerfile:3: ..." (unused build args, …)
};

// Lowers the stage named by request.target (or the last one) for one platform.
// Errors (unknown stage, unsupported instruction, bad flags) throw Error(dockerfile)
// with the instruction's SourceSpan.
LoweredImage lower(const ParsedDockerfile& dockerfile, const LowerRequest& request);

} // namespace mab::dockerfile
