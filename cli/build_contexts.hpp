// The local directories a build reads, with the exclude patterns of each, found as
// buildx and BuildKit find them:
//  - the build context's patterns come from `<Dockerfile>.dockerignore` beside the
//    Dockerfile when that file exists (also for the default Dockerfile, not for `-f -`),
//    else from `.dockerignore` in the context's root;
//  - a named local context (--build-context NAME=DIR) has its own DIR/.dockerignore;
//  - the Dockerfile and the ignore files are read even when their patterns exclude them.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/build_request.hpp"
#include "frontend-dockerfile/dockerfile.hpp"

namespace mab::cli {

struct LocalContexts {
    std::vector<std::string> context_excludes;                   // the build context's patterns
    std::map<std::string, dockerfile::NamedContext> named;       // every --build-context, for lowering
    std::map<std::string, std::filesystem::path> directories;    // local source name -> directory
    std::map<std::string, std::string> ignore_files;             // local source name -> its ignore file
};

// Reads the ignore files of the build context and of each named local context. A named
// directory that is missing or not a directory, an unreadable ignore file or a
// malformed pattern throws Error(usage / input) naming it.
LocalContexts load_local_contexts(const BuildRequest& request);

} // namespace mab::cli
