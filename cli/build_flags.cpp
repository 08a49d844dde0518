#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/build_request.hpp"
#include "cli/flags.hpp"
#include "cli/output_flag.hpp"
#include "cli/progress_mode.hpp"
#include "cli/secret_flag.hpp"
#include "registry/reference.hpp"
#include "snapshotter/snapshotter.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_build_flags{
    {"file", 'f', "string", "Name of the Dockerfile", "PATH/Dockerfile"},
    {"tag", 't', "name", "Name and optionally a tag (format: \"name:tag\"); repeatable", ""},
    {"platform", 0, "string", "Target platforms, comma-separated or repeated (linux/amd64,linux/arm64)", "the host's"},
    {"output", 'o', "string", "Output destination (format: \"type=oci|docker|local|tar,dest=path\", \"type=registry\")", ""},
    {"push", 0, "", "Shorthand for \"--output=type=registry\"", ""},
    {"load", 0, "", "Load the result into docker or podman (one platform), or podman as a manifest list", ""},
    {"build-arg", 0, "KEY=VALUE", "Set a build-time variable; KEY alone takes it from the environment", ""},
    {"target", 0, "string", "Set the target build stage to build", "the last stage"},
    {"build-context", 0, "NAME=VALUE",
     "Additional build context; VALUE: a directory, oci-layout:///path[:tag|@sha256:digest] or docker-image://REF",
     ""},
    {"label", 0, "KEY=VALUE", "Set metadata for an image", ""},
    {"allow", 0, "string",
     "Allow an entitlement: security.insecure (RUN --security=insecure, which mab still refuses: it has no "
     "privileged mode) or network.host (accepted; RUN --network=host needs no grant in mab)",
     ""},
    {"secret", 0, "string",
     "Secret to expose to RUN --mount=type=secret (format: \"id=mysecret[,src=/local/secret]\", \"id=X,env=VAR\")", ""},
    {"ssh", 0, "string",
     "SSH agent socket to expose to RUN --mount=type=ssh (format: \"default|<id>=<socket>\")", ""},
    {"iidfile", 0, "string", "Write the image ID to a file", ""},
    {"metadata-file", 0, "string", "Write build result metadata to a file", ""},
    {"progress", 0, "string", "Set type of progress output (auto, plain, tty, quiet, rawjson)",
     "auto, or BUILDKIT_PROGRESS"},
    {"no-cache", 0, "", "Do not use cache when building the image", ""},
    {"no-cache-filter", 0, "stringArray", "Do not cache specified stages", ""},
    {"cache-from", 0, "string",
     "External cache sources (e.g., \"user/app:cache\", \"type=local,src=path/to/dir\", \"type=registry,ref=REF\")", ""},
    {"cache-to", 0, "string",
     "Cache export destinations (e.g., \"type=registry,ref=user/app:cache,mode=max\", \"type=local,dest=path/to/dir\")",
     ""},
    {"pull", 0, "", "Always attempt to pull all referenced images (mab always resolves tags anew)", ""},
    {"snapshotter", 0, "string", "How steps keep their filesystems: auto, overlay or native (full copies)",
     "auto, or mab.yaml's snapshotter"},
    {"max-parallelism", 0, "int", "How many steps run at once", "the number of cores, or mab.yaml's max-parallelism"},
    {"call", 0, "string", "What to do: build, or list outline|targets without building (add ,format=json)", "build"},
    {"print", 0, "string", "Alias of --call, as older buildx named it", ""},
    {"help", 'h', "", "Show this help", ""},
};

std::string build_help() {
    return "Usage: mab build [OPTIONS] PATH\n\n"
           "Build an image from a Dockerfile and the context directory PATH.\n\n"
           "Options:\n" +
           format_flag_help(k_build_flags) +
           "\nOutputs (-o):\n"
           "  type=oci,dest=out.tar      OCI image layout tarball (tar=false: a directory)\n"
           "  type=docker,dest=out.tar   tarball for `docker load` / `podman load` (one platform)\n"
           "  type=local,dest=DIR        the final filesystem (DIR/linux_arm64/… for several platforms)\n"
           "  type=tar,dest=out.tar      the final filesystem as a tarball\n"
           "  type=registry              push to the registry of each -t/name= (same as --push)\n"
           "  type=image,push=true       the same; push-by-digest=true pushes without a tag,\n"
           "                             name-canonical=true reports name@digest in --metadata-file\n"
           "  dest=- writes a tarball to stdout. Keys: compression=gzip|zstd|uncompressed,\n"
           "  compression-level=N, oci-mediatypes=true|false, name=REF[,REF…]\n"
           "\nEnvironment:\n"
           "  SOURCE_DATE_EPOCH          clamp timestamps in layers and config for reproducible images\n"
           "  MAB_CONFIG                 the settings file (default ~/.config/mab/mab.yaml)\n"
           "\nExamples:\n"
           "  mab build --platform linux/amd64,linux/arm64 -o type=oci,dest=app.tar .\n"
           "  mab build -f docker/Dockerfile --target runtime -t app:1 -o type=docker,dest=app.tar .\n"
           "  mab build --platform linux/arm64 -o type=local,dest=rootfs .\n"
           "  mab build --platform linux/amd64,linux/arm64 -t registry.example.com/app:1 --push .\n"
           "  mab build --secret id=token,src=$HOME/.token --ssh default -o type=oci,dest=app.tar .\n";
}

std::pair<std::string, std::string> split_key_value(const std::string& flag, const std::string& value,
                                                    bool from_env) {
    size_t eq = value.find('=');
    std::string key = value.substr(0, eq);
    if (key.empty()) throw Error(ErrorKind::usage, fmt::format("invalid {} \"{}\": empty key", flag, value));
    if (eq != std::string::npos) return {key, value.substr(eq + 1)};
    if (!from_env)
        throw Error(ErrorKind::usage, fmt::format("invalid {} \"{}\": expected KEY=VALUE", flag, value));
    const char* env = std::getenv(key.c_str());
    return {key, env ? env : ""};
}

// "oci-layout:///srv/busybox:1.36" -> {"/srv/busybox", "1.36"};
// "docker-image://alpine:3.19" -> the reference, checked now.
ImageContext parse_build_context_value(const std::string& name, const std::string& value) {
    const std::string image_scheme = "docker-image://";
    if (value.rfind(image_scheme, 0) == 0) {
        ImageContext out;
        out.kind = ImageContext::Kind::docker_image;
        out.ref = value.substr(image_scheme.size());
        if (out.ref.empty())
            throw Error(ErrorKind::usage, fmt::format("--build-context {}={}: no image reference", name, value));
        registry::Reference::parse(out.ref);  // a bad reference fails here, naming it
        return out;
    }
    const std::string scheme = "oci-layout://";
    if (value.rfind(scheme, 0) != 0) {
        // Anything else with a scheme (git, http, target:) is a source mab cannot read.
        if (value.find("://") != std::string::npos || value.rfind("git@", 0) == 0 || value.rfind("target:", 0) == 0)
            throw Error(ErrorKind::usage,
                        fmt::format("--build-context {}={}: only local directories, oci-layout:// and "
                                    "docker-image:// contexts are supported",
                                    name, value));
        if (name == "context")
            throw Error(ErrorKind::usage, fmt::format("--build-context {}={}: \"context\" is the build context "
                                                      "itself", name, value))
                .with_hint("pass the directory as the build's PATH argument");
        ImageContext out;
        out.kind = ImageContext::Kind::local_dir;
        out.dir = value;  // checked when the build starts (cli/build_contexts.cpp)
        return out;
    }
    std::string rest = value.substr(scheme.size());
    ImageContext out;
    if (size_t at = rest.find('@'); at != std::string::npos) {
        out.ref = rest.substr(at + 1);
        rest = rest.substr(0, at);
    } else if (size_t colon = rest.rfind(':'); colon != std::string::npos && colon > rest.rfind('/')) {
        out.ref = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) throw Error(ErrorKind::usage, fmt::format("--build-context {}={}: no directory", name, value));
    out.dir = rest;
    return out;
}

// --push, as buildx reads it: an image output that pushes, or push=true on the image
// output -o gave; any other output type cannot be pushed.
void apply_push_flag(std::optional<exporter::OutputSpec>& output) {
    if (!output) {
        output.emplace();
        output->type = exporter::OutputType::image;
    }
    if (output->type != exporter::OutputType::image)
        throw Error(ErrorKind::usage, fmt::format("push and \"{}\" output can't be used together",
                                                  exporter::output_type_name(output->type)))
            .with_hint("--push pushes to the registry of each -t; keep only one of --push and -o, or use "
                       "-o type=registry");
    output->push = true;
}

std::optional<int64_t> parse_epoch(const std::string& text, const std::string& origin) {
    if (text.empty()) return std::nullopt;
    try {
        size_t used = 0;
        long long v = std::stoll(text, &used);
        if (used == text.size() && v >= 0) return v;
    } catch (const std::logic_error&) {
    }
    throw Error(ErrorKind::usage,
                fmt::format("invalid SOURCE_DATE_EPOCH \"{}\" ({}): expected seconds since 1970", text, origin));
}

} // namespace

int parse_max_parallelism(const std::string& text, const std::string& origin) {
    try {
        size_t used = 0;
        const long v = std::stol(text, &used);
        if (used == text.size() && v >= 1 && v <= k_max_parallelism_limit) return static_cast<int>(v);
    } catch (const std::logic_error&) {
    }
    throw Error(ErrorKind::usage, fmt::format("invalid max-parallelism \"{}\" ({}): expected a number from 1 to {}",
                                              text, origin, k_max_parallelism_limit));
}

std::optional<BuildRequest> parse_build_request(const std::vector<std::string>& args) {
    ParsedFlags flags = parse_flags(args, k_build_flags);
    if (flags.flag("help")) {
        fmt::print("{}", build_help());
        return std::nullopt;
    }
    BuildRequest r;
    if (flags.positional.size() != 1)
        throw Error(ErrorKind::usage, flags.positional.empty()
                                          ? "mab build requires exactly 1 argument: the context PATH"
                                          : fmt::format("mab build requires exactly 1 argument, got {}",
                                                        flags.positional.size()))
            .with_hint("usage: mab build [OPTIONS] PATH (see mab build --help)");
    r.context = flags.positional.front();

    r.dockerfile = flags.last("file").value_or((r.context / "Dockerfile").string());
    for (const std::string& p : flags.all("platform")) {
        for (const oci::Platform& platform : oci::parse_platform_list(p))
            if (std::find(r.platforms.begin(), r.platforms.end(), platform) == r.platforms.end())
                r.platforms.push_back(platform);
    }
    if (r.platforms.empty()) r.platforms.push_back(oci::Platform::host());

    for (const std::string& a : flags.all("build-arg")) {
        auto [k, v] = split_key_value("--build-arg", a, true);
        r.build_args[k] = v;
    }
    for (const std::string& l : flags.all("label")) {
        auto [k, v] = split_key_value("--label", l, false);
        r.labels[k] = v;
    }
    r.target = flags.last("target").value_or("");
    for (const std::string& entitlement : flags.all("allow")) {
        if (entitlement == "security.insecure") {
            r.allow_insecure = true;
        } else if (entitlement != "network.host") {
            throw Error(ErrorKind::usage, with_suggestion(fmt::format("--allow {}: unknown entitlement", entitlement),
                                                          entitlement, {"security.insecure", "network.host"}));
        }
    }
    for (const std::string& c : flags.all("build-context")) {
        auto [name, value] = split_key_value("--build-context", c, false);
        r.image_contexts[name] = parse_build_context_value(name, value);
    }
    for (const std::string& s : flags.all("secret")) {
        auto [id, source] = parse_secret_flag(s);
        r.secrets[id] = source;
    }
    for (const std::string& s : flags.all("ssh")) {
        auto [id, socket] = parse_ssh_flag(s);
        r.ssh_sockets[id] = socket;
    }
    r.tags = flags.all("tag");
    for (const std::string& t : r.tags) registry::Reference::parse(t);  // reject bad tags early
    const std::vector<std::string>& outputs = flags.all("output");
    if (outputs.size() > 1)
        throw Error(ErrorKind::usage, "only one --output is supported per build (as with buildx)");
    if (!outputs.empty()) r.output = parse_output_flag(outputs.front());
    if (flags.flag("push")) apply_push_flag(r.output);
    r.load = flags.flag("load");
    if (r.load && r.output)
        throw Error(ErrorKind::usage, "--load and another output can't be used together: mab writes one output per build")
            .with_hint("drop -o/--push, or drop --load and load the -o type=docker file yourself");
    r.iidfile = flags.last("iidfile").value_or("");
    r.metadata_file = flags.last("metadata-file").value_or("");
    r.no_cache = flags.flag("no-cache");
    for (const std::string& value : flags.all("no-cache-filter"))
        for (const std::string& stage : split_csv(value))
            if (!stage.empty()) {
                std::string name = stage;  // stage names are case-insensitive (lower-cased)
                std::transform(name.begin(), name.end(), name.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                r.no_cache_filter.push_back(name);
            }
    for (const std::string& value : flags.all("cache-from")) r.cache_from.push_back(parse_cache_spec(value, false));
    for (const std::string& value : flags.all("cache-to")) r.cache_to.push_back(parse_cache_spec(value, true));
    r.pull = flags.flag("pull");
    for (const char* name : {"print", "call"})
        if (auto value = flags.last(name)) r.call = parse_call_flag(*value, std::string("--") + name);
    if (auto name = flags.last("snapshotter")) r.snapshotter = snapshotter::parse_snapshotter_choice(*name, "--snapshotter");
    if (auto n = flags.last("max-parallelism")) r.max_parallelism = parse_max_parallelism(*n, "--max-parallelism");

    r.progress = choose_progress_mode(flags.last("progress"), std::getenv("BUILDKIT_PROGRESS"));

    // SOURCE_DATE_EPOCH comes from the environment or, as in buildx, a build arg.
    if (auto it = r.build_args.find("SOURCE_DATE_EPOCH"); it != r.build_args.end())
        r.source_date_epoch = parse_epoch(it->second, "--build-arg");
    else if (const char* env = std::getenv("SOURCE_DATE_EPOCH"))
        r.source_date_epoch = parse_epoch(env, "environment");
    if (r.output) {
        r.output->source_date_epoch = r.source_date_epoch;
        for (const std::string& t : r.tags) r.output->names.push_back(t);
        exporter::check_output(*r.output);  // contradictions fail now, not after the build
    }
    return r;
}

} // namespace mab::cli
