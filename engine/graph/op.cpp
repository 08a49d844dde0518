#include "engine/graph/op.hpp"

#include <fmt/format.h>

#include <type_traits>

namespace mab::engine::graph {

namespace {

// Strings are quoted and escaped so that no value can imitate another field.
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string chown_text(const std::optional<ChownSpec>& chown) {
    if (!chown) return "-";
    return quote(chown->user) + ":" + quote(chown->group);
}

std::string describe_action(const CopyAction& a) {
    return fmt::format(
        "copy(input={} src={} dest={} dest_dir={} wildcard={} follow={} preserve_owner={} "
        "unpack={} chown={} chmod={})",
        a.source_input, quote(a.src), quote(a.dest), a.dest_is_dir, a.allow_wildcard,
        a.follow_symlinks, a.preserve_owner, a.unpack_archives, chown_text(a.chown),
        a.chmod ? fmt::format("{:04o}", *a.chmod) : std::string("-"));
}

std::string describe_action(const MkdirAction& a) {
    return fmt::format("mkdir(path={} mode={:04o} parents={} chown={})", quote(a.path), a.mode,
                       a.make_parents, chown_text(a.chown));
}

std::string describe_action(const MkfileAction& a) {
    return fmt::format("mkfile(path={} mode={:04o} data={} chown={})", quote(a.path), a.mode,
                       quote(a.data), chown_text(a.chown));
}

std::string describe_action(const RmAction& a) {
    return fmt::format("rm(path={} allow_not_found={})", quote(a.path), a.allow_not_found);
}

// One mount as "type=cache,target=/x,…": fixed key order, defaults written out only
// where they are not the type's own, so equal mounts give equal text.
std::string describe_mount(const ExecMount& m) {
    static const char* const k_types[] = {"bind", "cache", "tmpfs", "secret", "ssh"};
    static const char* const k_sharing[] = {"shared", "private", "locked"};
    std::string out = fmt::format("type={}", k_types[static_cast<int>(m.type)]);
    auto add = [&out](const char* key, const std::string& value) {
        if (!value.empty()) out += fmt::format(",{}={}", key, quote(value));
    };
    add("target", m.target);
    if (m.input) out += fmt::format(",input={}", *m.input);
    add("source", m.source);
    add("id", m.id);
    if (m.type == MountType::cache) out += fmt::format(",sharing={}", k_sharing[static_cast<int>(m.sharing)]);
    if (m.readonly) out += ",ro";
    if (m.required) out += ",required";
    if (m.mode) out += fmt::format(",mode={:o}", *m.mode);
    if (m.uid) out += fmt::format(",uid={}", *m.uid);
    if (m.gid) out += fmt::format(",gid={}", *m.gid);
    if (m.size) out += fmt::format(",size={}", *m.size);
    return out;
}

} // namespace

std::string describe_op(const Op& op) {
    return std::visit(
        [](const auto& o) -> std::string {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, ScratchSource>) {
                return "scratch";
            } else if constexpr (std::is_same_v<T, MergeOp>) {
                return "merge";
            } else if constexpr (std::is_same_v<T, ImageSource>) {
                return fmt::format("image(manifest={})", o.manifest.str());
            } else if constexpr (std::is_same_v<T, ExecOp>) {
                std::string args;
                for (const std::string& a : o.args) args += (args.empty() ? "" : ",") + quote(a);
                std::string env;
                for (const std::string& e : o.env) env += (env.empty() ? "" : ",") + quote(e);
                // Mounts only when there are some: every other RUN keeps its digest.
                std::string mounts;
                for (const ExecMount& m : o.mounts) mounts += (mounts.empty() ? " mounts=[" : " ") + describe_mount(m);
                if (!mounts.empty()) mounts += "]";
                return fmt::format("exec(args=[{}] env=[{}] cwd={} user={} platform={} network={}{})", args, env,
                                   quote(o.cwd), quote(o.user), quote(o.platform.str()),
                                   o.network == NetworkMode::none ? "none" : "host", mounts);
            } else if constexpr (std::is_same_v<T, HttpSource>) {
                return fmt::format("http(url={} checksum={} filename={})", quote(o.url),
                                   o.checksum ? o.checksum->str() : std::string("-"), quote(o.filename));
            } else if constexpr (std::is_same_v<T, GitSource>) {
                return fmt::format("git(url={} ref={} subdir={} keep_git_dir={})", quote(o.url), quote(o.ref),
                                   quote(o.subdir), o.keep_git_dir);
            } else if constexpr (std::is_same_v<T, LocalSource>) {
                std::string excludes;
                for (const std::string& p : o.exclude_patterns)
                    excludes += (excludes.empty() ? "" : ",") + quote(p);
                return fmt::format("local(name={} excludes=[{}])", quote(o.name), excludes);
            } else {
                std::string out = "file(";
                out += o.created_dir_mtime ? fmt::format("dir_mtime={}", *o.created_dir_mtime)
                                           : std::string("dir_mtime=-");
                for (const FileAction& action : o.actions) {
                    out += " ";
                    out += std::visit([](const auto& a) { return describe_action(a); }, action);
                }
                return out + ")";
            }
        },
        op);
}

} // namespace mab::engine::graph
