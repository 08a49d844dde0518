// `mab bake` definitions, read as buildx reads them: the JSON form of a bake file
// (groups, targets with `inherits`, variables with defaults that the environment
// overrides, `${VAR}` in strings) and compose files (each service with a `build:` is a
// target, its `image:` a tag). Several files merge in order. HCL is not read: a .hcl
// file is an error that says which formats are.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/error_printer.hpp"

namespace mab::cli {

// A target's attributes as the file (or --set) gives them; unset ones take buildx's
// defaults when the target is built (context ".", dockerfile "Dockerfile").
struct BakeTarget {
    std::optional<std::string> context;
    std::optional<std::string> dockerfile;  // relative to the context, as in buildx
    std::map<std::string, std::string> args;
    std::map<std::string, std::string> labels;
    std::optional<std::vector<std::string>> tags;
    std::optional<std::vector<std::string>> cache_from;
    std::optional<std::vector<std::string>> cache_to;
    std::optional<std::string> target;
    std::optional<std::vector<std::string>> platforms;
    std::optional<std::vector<std::string>> output;
    std::optional<bool> pull;
    std::optional<bool> no_cache;
    std::vector<std::string> inherits;
    std::string origin;  // where it is defined, for messages: "docker-bake.json" or "compose.yaml service web"
};

struct BakeGroup {
    std::vector<std::string> targets;  // target or group names
};

struct BakeDefinition {
    std::map<std::string, BakeGroup> groups;
    std::map<std::string, BakeTarget> targets;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

// Parses a bake file in buildx's JSON form; `file` names it in errors, which also give
// the key path ("target.app.tags"). Variables: {"variable": {"TAG": {"default": "x"}}},
// TAG in the environment overrides the default; `${TAG}` in any string is replaced
// (`$${` keeps a literal "${"); an undefined variable is an error.
BakeDefinition parse_bake_json(const std::string& text, const std::string& file, const EnvLookup& env);

// Parses a compose file's `services.*.build` (context, dockerfile, args as a map or a
// KEY=VALUE list, target, platforms, tags, cache_from, cache_to, labels, x-bake is not
// read); the service's `image:` is its first tag. `${VAR}` and `${VAR:-default}` come
// from the environment, as in compose.
BakeDefinition parse_compose(const std::string& text, const std::string& file, const EnvLookup& env);

// Merges `from` into `into` as buildx merges files: for a target in both, maps (args,
// labels) merge, cache-from appends, and any other attribute `from` sets replaces;
// groups of the same name join their targets.
void merge_definition(BakeDefinition& into, const BakeDefinition& from);

// One target's attributes laid over another's, as files merge (and as a target
// overrides what it inherits): maps merge, cache-from appends, the rest replaces.
void merge_target(BakeTarget& into, const BakeTarget& from);

// The files buildx reads in `dir` when no -f is given, in its lookup order
// (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml,
// docker-bake.json, docker-bake.hcl, docker-bake.override.json, docker-bake.override.hcl),
// those that exist.
std::vector<std::filesystem::path> default_bake_files(const std::filesystem::path& dir);

// Reads and merges `files` (JSON by a .json name, HCL refused, anything else read as
// compose). Throws Error(input) naming the file when one is missing or wrong. Each
// file's text goes into `sources` (when given), for errors to show a compose line.
BakeDefinition load_bake_files(const std::vector<std::filesystem::path>& files, const EnvLookup& env,
                               SourceRegistry* sources = nullptr);

} // namespace mab::cli
