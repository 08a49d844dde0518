#include "cli/build_contexts.hpp"

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "engine/ops/exclude_patterns.hpp"
#include "frontend-dockerfile/dockerignore.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

// The patterns of ignore file `file` (shown as `shown`), checked now so a bad one fails
// before anything is built; none if the file does not exist.
std::vector<std::string> read_ignore_file(const fs::path& file, const std::string& shown) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return {};
    std::vector<std::string> patterns = dockerfile::parse_dockerignore(read_file(file));
    try {
        engine::ops::ExcludePatterns check(patterns);
    } catch (const Error& e) {
        throw Error(ErrorKind::input, fmt::format("{}: {}", shown, e.what()));
    }
    return patterns;
}

} // namespace

LocalContexts load_local_contexts(const BuildRequest& r) {
    LocalContexts out;
    out.directories["context"] = fs::absolute(r.context);

    // BuildKit reads <Dockerfile>.dockerignore from the Dockerfile's directory first.
    std::error_code ec;
    const std::string own = r.dockerfile == "-" ? "" : r.dockerfile + ".dockerignore";
    if (!own.empty() && fs::exists(own, ec)) {
        out.context_excludes = read_ignore_file(own, own);
        out.ignore_files["context"] = own;
    } else {
        out.context_excludes = read_ignore_file(r.context / ".dockerignore", ".dockerignore");
        out.ignore_files["context"] = ".dockerignore";
    }

    for (const auto& [name, context] : r.image_contexts) {
        if (context.kind != ImageContext::Kind::local_dir) {
            out.named[name] = dockerfile::NamedContext{dockerfile::NamedContext::Kind::image, {}};
            continue;
        }
        // buildx's messages for a path that is not a directory.
        if (!fs::exists(context.dir, ec))
            throw Error(ErrorKind::usage, fmt::format("failed to get build context {}: stat {}: no such file or "
                                                      "directory",
                                                      name, context.dir.string()));
        if (!fs::is_directory(context.dir, ec))
            throw Error(ErrorKind::usage,
                        fmt::format("failed to get build context path {}: not a directory", context.dir.string()));
        const std::string shown = (context.dir / ".dockerignore").string();
        out.named[name] = dockerfile::NamedContext{dockerfile::NamedContext::Kind::local_dir,
                                                   read_ignore_file(context.dir / ".dockerignore", shown)};
        out.directories[name] = fs::absolute(context.dir);
        out.ignore_files[name] = shown;
    }
    return out;
}

} // namespace mab::cli
