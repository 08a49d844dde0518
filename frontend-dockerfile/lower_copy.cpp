// COPY and ADD: one FileOp per instruction with one CopyAction per source. A heredoc
// source is a file made in its own scratch state (as BuildKit's "preparing inline
// document") and copied like any other, so --chown, --chmod and the destination rules
// apply to it unchanged.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/image_paths.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

bool is_url(const std::string& src) { return starts_with(src, "http://") || starts_with(src, "https://"); }

bool is_git(const std::string& src) {
    // "https://host/repo.git#ref:subdir": the ".git" is before the fragment.
    const std::string path = src.substr(0, src.find('#'));
    return starts_with(src, "git://") || starts_with(src, "git@") || starts_with(src, "github.com/") ||
           (is_url(src) && path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0);
}

// The name an ADD <url> file gets (BuildKit: path.Base of the URL's decoded path, else
// "__unnamed__"); the destination renames it when it does not end with "/".
std::string url_filename(const std::string& url) {
    size_t path_start = url.find('/', url.find("://") + 3);
    std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
    path = path.substr(0, path.find_first_of("?#"));
    std::string decoded;
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
            decoded += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            decoded += path[i];
        }
    }
    while (!decoded.empty() && decoded.back() == '/') decoded.pop_back();
    std::string base = decoded.substr(decoded.find_last_of('/') + 1);
    if (base.empty() || base == "." || base == ".." || base.find('\0') != std::string::npos) return "__unnamed__";
    return base;
}

// The URL as progress shows it: without "user:password@".
std::string url_without_credentials(const std::string& url) {
    if (url.find("://") == std::string::npos) return url;  // git@host:repo names a user, not a secret
    size_t authority = url.find("://") + 3;
    size_t at = url.find('@', authority);
    if (at == std::string::npos || at > url.find_first_of("/?#", authority)) return url;
    return url.substr(0, authority) + url.substr(at + 1);
}

// A git source as BuildKit reads it: "URL#REF:SUBDIR", both parts optional; the
// "github.com/owner/repo" shorthand is fetched over HTTPS.
engine::graph::GitSource parse_git_source(const std::string& src, bool keep_git_dir) {
    engine::graph::GitSource source;
    size_t hash = src.find('#');
    source.url = src.substr(0, hash);
    if (starts_with(source.url, "github.com/")) source.url = "https://" + source.url;
    if (hash != std::string::npos) {
        std::string fragment = src.substr(hash + 1);
        size_t colon = fragment.find(':');
        source.ref = fragment.substr(0, colon);
        if (colon != std::string::npos) source.subdir = fragment.substr(colon + 1);
    }
    if (starts_with(source.ref, "-"))
        throw Error(ErrorKind::dockerfile, fmt::format("ADD {}: invalid git ref \"{}\"", src, source.ref));
    source.keep_git_dir = keep_git_dir;
    return source;
}

// ADD --checksum: a sha256 digest (what the download is hashed with).
std::optional<oci::Digest> parse_checksum(const std::string& text) {
    if (text.empty()) return std::nullopt;
    oci::Digest digest;
    try {
        digest = oci::Digest::parse(text);
    } catch (const Error& e) {
        throw Error(ErrorKind::dockerfile, fmt::format("ADD --checksum={}: {}", text, e.what()));
    }
    if (digest.algorithm() != "sha256")
        throw Error(ErrorKind::dockerfile,
                    fmt::format("ADD --checksum={}: only sha256 checksums are supported", text));
    return digest;
}

// --chmod takes an octal mode up to 07777.
uint32_t parse_chmod(const std::string& text) {
    bool ok = !text.empty() && text.size() <= 5;
    uint32_t mode = 0;
    for (char c : text) {
        ok = ok && c >= '0' && c <= '7';
        mode = mode * 8 + static_cast<uint32_t>(c - '0');
    }
    if (!ok || mode > 07777)
        throw Error(ErrorKind::dockerfile,
                    fmt::format("invalid --chmod value \"{}\": expected an octal mode from 0 to 7777", text));
    return mode;
}

// The state holding one heredoc as the file /<name>, 0644, owned by root.
engine::graph::State inline_document(const InlineFile& file, const std::string& data, const Command& command,
                                     LowerContext& context) {
    if (!is_file_name(file.name))
        throw Error(ErrorKind::dockerfile,
                    fmt::format("{} <<{}: a heredoc source becomes a file named after its delimiter, and {} is "
                                "not a file name",
                                command.keyword, file.name, file.name));
    engine::graph::FileOp op;
    op.created_dir_mtime = created_dir_mtime(context.request());
    op.actions.emplace_back(engine::graph::MkfileAction{"/" + file.name, 0644, data, std::nullopt});
    return engine::graph::State::scratch().file(
        std::move(op), {}, engine::graph::VertexMeta{"[internal] preparing inline document", command.span});
}

// The merge step's name: BuildKit's "[stage 2/3] LINK COPY a /b" beside the copy's own.
std::string link_description(const std::string& description) {
    size_t prefix_end = description.find("] ");
    if (description.empty() || description.front() != '[' || prefix_end == std::string::npos)
        return "LINK " + description;
    return description.substr(0, prefix_end + 2) + "LINK " + description.substr(prefix_end + 2);
}

bool is_numeric_id(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A linked copy is made on scratch, where no /etc/passwd or /etc/group exists: only
// numeric ids and "root" can be resolved (BuildKit fails such a copy late with "invalid
// user index: -1"; mab says why while lowering).
engine::graph::ChownSpec linked_chown(engine::graph::ChownSpec spec, const std::string& keyword) {
    const std::string written = spec.user + (spec.group.empty() ? "" : ":" + spec.group);
    for (std::string* id : {&spec.user, &spec.group}) {
        if (*id == "root") *id = "0";
        if (!id->empty() && !is_numeric_id(*id))
            throw Error(ErrorKind::dockerfile,
                        fmt::format("{} --link --chown={}: a linked layer is built without the image's "
                                    "/etc/passwd and /etc/group, so --chown with --link takes numeric ids only",
                                    keyword, written));
    }
    return spec;
}

} // namespace

void lower_copy(StageState& stage, const CopyInstruction& copy, const Command& command, LowerContext& context) {
    const char escape = context.dockerfile().escape;
    const std::string& keyword = command.keyword;
    VariableLookup lookup = stage.lookup();
    std::string description = step_description(stage, command, escape);

    std::vector<std::string> srcs;
    for (const std::string& src : copy.srcs) srcs.push_back(expand_word(src, lookup, escape));
    std::string dest = expand_word(copy.dest, lookup, escape);
    for (const std::string& src : srcs) {
        if (!copy.is_add && (is_url(src) || is_git(src)))
            throw Error(ErrorKind::dockerfile, fmt::format("COPY {}: source can't be a URL for COPY (use ADD)", src));
        if (!copy.checksum.empty() && is_git(src))
            throw Error(ErrorKind::dockerfile, fmt::format("ADD {}: --checksum is not supported for git sources", src));
    }
    const std::string checksum_text = expand_word(copy.checksum, lookup, escape);
    if (!checksum_text.empty() && (srcs.size() != 1 || !copy.inline_files.empty()))
        throw Error(ErrorKind::dockerfile, "ADD --checksum can't be specified for multiple sources");
    if (!checksum_text.empty() && !is_url(srcs.front()))
        throw Error(ErrorKind::dockerfile, "ADD --checksum can't be specified for non-HTTP(S) sources");
    std::optional<oci::Digest> checksum = parse_checksum(checksum_text);

    bool dest_is_dir = dest.empty() || dest == "." || dest.back() == '/';
    if (srcs.size() + copy.inline_files.size() > 1 && !dest_is_dir)
        throw Error(ErrorKind::dockerfile,
                    fmt::format("When using {} with more than one source file, the destination must be a "
                                "directory and end with a /",
                                keyword));
    std::string dest_path = resolve_in_workdir(stage.result.config.config.working_dir, dest);
    if (dest_is_dir && dest_path != "/") dest_path += "/";

    std::optional<engine::graph::ChownSpec> chown;
    if (std::string spec = expand_word(copy.chown, lookup, escape); !spec.empty())
        chown = parse_chown(spec, "--chown");
    std::optional<uint32_t> chmod;
    if (std::string mode = expand_word(copy.chmod, lookup, escape); !mode.empty()) chmod = parse_chmod(mode);
    // As BuildKit: --chmod turns --link into a plain copy.
    const bool linked = copy.link && !chmod;
    if (linked && chown) chown = linked_chown(*chown, keyword);

    // Input 1 is where paths are read (the context or --from); each URL, git and heredoc
    // source adds an input of its own.
    std::vector<engine::graph::State> inputs;
    bool from_stage = false;
    if (std::string from = expand_word(copy.from, lookup, escape); !from.empty()) {
        const StageResult& source = context.copy_source_stage(from, stage.stage);
        inputs.push_back(source.rootfs);
        from_stage = !source.local_directory;
    } else if (std::any_of(srcs.begin(), srcs.end(), [](const std::string& src) { return !is_url(src) && !is_git(src); })) {
        inputs.push_back(context.build_context());
    }

    engine::graph::FileOp op;
    op.created_dir_mtime = created_dir_mtime(context.request());
    // A source with an input of its own (a URL, a git tree, a heredoc) is copied from
    // that input's `path` as it is, never as a wildcard.
    auto copy_from_last_input = [&](const std::string& path, bool follow_symlinks) {
        engine::graph::CopyAction action;
        action.source_input = static_cast<int>(inputs.size());
        action.src = path;
        action.dest = dest_path;
        action.dest_is_dir = dest_is_dir;
        action.allow_wildcard = false;
        action.follow_symlinks = follow_symlinks;
        action.chown = chown;
        action.chmod = chmod;
        op.actions.emplace_back(std::move(action));
    };
    for (const std::string& src : srcs) {
        if (is_git(src)) {
            // The tree's contents are copied into dest, as a directory's are (BuildKit).
            inputs.push_back(engine::graph::State::git(
                parse_git_source(src, copy.keep_git_dir),
                engine::graph::VertexMeta{url_without_credentials(src), command.span}));
            copy_from_last_input("/", false);
            continue;
        }
        if (is_url(src)) {
            // Downloaded as one file and copied like a context file, never extracted (BuildKit).
            std::string filename = url_filename(src);
            inputs.push_back(engine::graph::State::http(engine::graph::HttpSource{src, checksum, filename},
                                                        engine::graph::VertexMeta{url_without_credentials(src), command.span}));
            copy_from_last_input("/" + filename, true);
            continue;
        }
        engine::graph::CopyAction action;
        action.source_input = 1;
        action.src = clean_path("/" + src);  // context paths are relative to its root
        action.dest = dest_path;
        action.dest_is_dir = dest_is_dir;
        action.allow_wildcard = true;
        action.follow_symlinks = true;
        action.preserve_owner = from_stage;
        action.unpack_archives = copy.is_add;
        action.chown = chown;
        action.chmod = chmod;
        op.actions.emplace_back(std::move(action));
    }
    // After the paths, as BuildKit orders them; never unpacked, even by ADD.
    for (const InlineFile& file : copy.inline_files) {
        std::string data = file.expand ? expand_heredoc_body(file.data, lookup) : file.data;
        inputs.push_back(inline_document(file, data, command, context));
        copy_from_last_input("/" + file.name, false);
    }
    std::string created_by = keyword;
    for (const std::string& src : srcs) created_by += " " + src;
    for (const InlineFile& file : copy.inline_files) created_by += " <<" + file.name;
    created_by += " " + dest + " # buildkit";

    if (linked) {
        // BuildKit's --link: the copy runs on scratch and its layer is stacked onto the
        // stage as it is, so the layer (and its cache) does not depend on the base.
        engine::graph::State layer = engine::graph::State::scratch().file(
            std::move(op), inputs, step_meta(stage, description, command.span));
        stage.result.rootfs = stage.result.rootfs.merge(
            {layer}, step_meta(stage, link_description(description), command.span));
        add_history(stage, created_by, &layer);
        return;
    }
    stage.result.rootfs =
        stage.result.rootfs.file(std::move(op), inputs, step_meta(stage, description, command.span));
    add_history(stage, created_by, &stage.result.rootfs);
}

} // namespace mab::dockerfile
