#include "engine/ops/run_mounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/format.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

namespace {

// BuildKit's limit on one secret (secrets/secrets.go MaxSecretSize).
constexpr size_t k_max_secret_size = 500 * 1024;
constexpr long k_secrets_tmpfs_size = 16L * 1024 * 1024;

Error mount_error(const graph::ExecMount& mount, const std::string& what) {
    return Error(ErrorKind::input,
                 fmt::format("RUN --mount=type={},target={}: {}", mount_type_name(mount.type), mount.target, what));
}

const FileOpInput& mount_input(const graph::ExecMount& mount, const std::vector<FileOpInput>& inputs) {
    if (!mount.input || *mount.input < 1 || static_cast<size_t>(*mount.input) >= inputs.size())
        throw Error(ErrorKind::internal, fmt::format("RUN mount on {} names no input", mount.target));
    return inputs[static_cast<size_t>(*mount.input)];
}

// Copies `source` of `input` into `dest` (a directory's contents, or the file under
// its own name), through the same code as COPY: a local source's exclude patterns
// apply, nothing outside the input's root is read.
void copy_source(const FileOpInput& input, const std::string& source, bool preserve_owner,
                 const std::filesystem::path& dest) {
    graph::CopyAction copy;
    copy.source_input = 1;
    copy.src = source;
    copy.dest = "/";
    copy.dest_is_dir = true;
    copy.allow_wildcard = false;
    copy.follow_symlinks = true;
    copy.preserve_owner = preserve_owner;
    graph::FileOp op;
    op.actions.emplace_back(copy);
    apply_file_op(op, dest, {FileOpInput{dest, "the mount"}, input});
}

// The value of a build secret: read now, from where the CLI said.
std::string read_secret(const std::string& id, const SecretSource& source) {
    std::string value;
    if (source.kind == SecretSource::Kind::env) {
        const char* env = std::getenv(source.name.c_str());
        if (env == nullptr)
            throw Error(ErrorKind::input,
                        fmt::format("secret \"{}\": environment variable {} is not set", id, source.name));
        value = env;
    } else {
        value = read_file(source.name);
    }
    if (value.size() > k_max_secret_size)
        throw Error(ErrorKind::input, fmt::format("secret \"{}\" is larger than {} bytes", id, k_max_secret_size));
    return value;
}

size_t depth(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

} // namespace

const char* mount_type_name(graph::MountType type) {
    static const char* const k_names[] = {"bind", "cache", "tmpfs", "secret", "ssh"};
    return k_names[static_cast<int>(type)];
}

PreparedMounts::PreparedMounts(const graph::ExecOp& op, const std::vector<FileOpInput>& inputs,
                               const RunMountConfig& config, const std::function<bool()>& cancelled)
    : m_config(config) {
    for (size_t i = 0; i < op.mounts.size(); ++i) {
        const graph::ExecMount& mount = op.mounts[i];
        switch (mount.type) {
        case graph::MountType::bind:
            add_bind(mount, inputs);
            break;
        case graph::MountType::cache:
            add_cache(mount, inputs, op.args, cancelled);
            break;
        case graph::MountType::tmpfs: {
            executor::SandboxMount m;
            m.kind = executor::SandboxMount::Kind::tmpfs;
            m.target = mount.target;
            m.size = mount.size;
            m_mounts.push_back(m);
            break;
        }
        case graph::MountType::secret:
            add_secret(mount, i);
            break;
        case graph::MountType::ssh:
            add_ssh(mount, i);
            break;
        }
    }
    // Parents before what is mounted inside them (runc sorts the same way).
    std::stable_sort(m_mounts.begin(), m_mounts.end(),
                     [](const executor::SandboxMount& a, const executor::SandboxMount& b) {
                         return depth(a.target) < depth(b.target);
                     });
}

PreparedMounts::~PreparedMounts() = default;

const std::filesystem::path& PreparedMounts::scratch_dir() const {
    return m_config.scratch_dir.empty() ? m_default_scratch : m_config.scratch_dir;
}

void PreparedMounts::add_bind(const graph::ExecMount& mount, const std::vector<FileOpInput>& inputs) {
    const FileOpInput& input = mount_input(mount, inputs);
    snapshotter::RootFs root(input.rootfs);
    const std::string resolved = root.resolve(mount.source);
    std::optional<struct stat> st = root.stat(resolved);
    if (!st) throw mount_error(mount, fmt::format("source \"{}\" not found in {}", mount.source, input.label));
    executor::SandboxMount m;
    m.target = mount.target;
    m.readonly = mount.readonly;
    if (mount.readonly && !input.filter) {
        // Read in place: the sandbox binds it read-only.
        m.source = input.rootfs / resolved.substr(resolved.find_first_not_of('/') == std::string::npos
                                                      ? resolved.size()
                                                      : resolved.find_first_not_of('/'));
    } else {
        // A copy of its own: writes go there and are dropped with it.
        const std::filesystem::path& parent =
            scratch_dir().empty() ? std::filesystem::temp_directory_path() : scratch_dir();
        auto copy = std::make_unique<TempDir>(parent, "bind-");
        ::chmod(copy->path().c_str(), 0755);
        copy_source(input, mount.source, !input.local_source, copy->path());
        m.source = copy->path();
        if (!S_ISDIR(st->st_mode)) m.source /= std::filesystem::path(resolved).filename();
        m_copies.push_back(std::move(copy));
    }
    m_mounts.push_back(m);
}

void PreparedMounts::add_cache(const graph::ExecMount& mount, const std::vector<FileOpInput>& inputs,
                               const std::vector<std::string>& args, const std::function<bool()>& cancelled) {
    if (m_config.cache_root.empty())
        throw mount_error(mount, "cache mounts need a storage root (none was configured)");
    CacheMountSpec spec;
    spec.id = mount.id;
    spec.sharing = mount.sharing;
    spec.mode = mount.mode.value_or(0755);
    spec.uid = mount.uid.value_or(0);
    spec.gid = mount.gid.value_or(0);
    // BuildKit's description of a cache mount, which `mab du --verbose` shows.
    spec.description = fmt::format("cached mount {} from exec {}", mount.target, fmt::join(args, " "));
    std::function<void(const std::filesystem::path&)> seed;
    if (mount.input) {
        const FileOpInput& input = mount_input(mount, inputs);
        // A from= seeds a new cache with its source; another source is another cache.
        spec.seed_key = input.key + "\n" + mount.source;
        seed = [&input, &mount](const std::filesystem::path& dir) {
            copy_source(input, mount.source, !input.local_source, dir);
        };
    }
    auto lease = std::make_unique<CacheLease>(m_config.cache_root, spec, seed, cancelled);
    executor::SandboxMount m;
    m.source = lease->path();
    m.target = mount.target;
    m.readonly = mount.readonly;
    m_caches.push_back(std::move(lease));
    m_mounts.push_back(m);
}

void PreparedMounts::add_secret(const graph::ExecMount& mount, size_t index) {
    auto found = m_config.secrets.find(mount.id);
    if (found == m_config.secrets.end()) {
        if (!mount.required) return;  // BuildKit skips an optional secret nobody gave
        throw Error(ErrorKind::input, fmt::format("secret \"{}\" is required but was not provided", mount.id))
            .with_hint(fmt::format("give it with `mab build --secret id={},src=FILE` (or env=VAR)", mount.id));
    }
    const std::string value = read_secret(mount.id, found->second);
    if (!m_secrets) {
        const std::filesystem::path& parent =
            scratch_dir().empty() ? std::filesystem::temp_directory_path() : scratch_dir();
        m_secrets = std::make_unique<executor::PrivateTmpfs>(parent, "secrets-", k_secrets_tmpfs_size);
    }
    const std::filesystem::path file = m_secrets->path() / std::to_string(index);
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) throw_errno("create secret file", file.string());
    size_t written = 0;
    while (written < value.size()) {
        ssize_t n = ::write(fd.get(), value.data() + written, value.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write secret file", file.string());
        written += static_cast<size_t>(n);
    }
    if (::fchown(fd.get(), mount.uid.value_or(0), mount.gid.value_or(0)) != 0)
        throw mount_error(mount, fmt::format("cannot give the secret to {}:{} (not mapped in mab's user namespace)",
                                             mount.uid.value_or(0), mount.gid.value_or(0)));
    if (::fchmod(fd.get(), mount.mode.value_or(0400)) != 0) throw_errno("chmod secret file", file.string());
    executor::SandboxMount m;
    m.source = file;
    m.target = mount.target;
    m.readonly = true;
    m_mounts.push_back(m);
}

void PreparedMounts::add_ssh(const graph::ExecMount& mount, size_t index) {
    auto found = m_config.ssh_sockets.find(mount.id);
    if (found == m_config.ssh_sockets.end()) {
        if (!mount.required) return;
        throw Error(ErrorKind::input,
                    fmt::format("ssh agent \"{}\" is required but was not provided", mount.id))
            .with_hint(mount.id == "default" ? std::string("give it with `mab build --ssh default`")
                                             : fmt::format("give it with `mab build --ssh {}=SOCKET`", mount.id));
    }
    struct stat st {};
    if (::stat(found->second.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
        throw mount_error(mount, fmt::format("ssh agent \"{}\": {} is not a socket", mount.id, found->second));
    if (!m_ssh_dir)
        m_ssh_dir = std::make_unique<executor::PrivateTmpfs>(std::filesystem::temp_directory_path(), "mab-ssh-",
                                                             64 * 1024);
    m_ssh.push_back(std::make_unique<SshAgentProxy>(found->second, m_ssh_dir->path() / std::to_string(index),
                                                    mount.mode.value_or(0600), mount.uid.value_or(0),
                                                    mount.gid.value_or(0)));
    executor::SandboxMount m;
    m.source = m_ssh.back()->path();
    m.target = mount.target;
    m.readonly = true;
    m_mounts.push_back(m);
}

} // namespace mab::engine::ops
