// RUN --mount on the host side: each graph::ExecMount of an ExecOp made into a
// concrete executor::SandboxMount, and what backs it held until the RUN ends:
//  - bind: the input's path read-only in place; a copy when it is writable (writes go
//    to the copy and are discarded) or when the input is a local source with exclude
//    patterns (only what .dockerignore leaves, as BuildKit transfers it);
//  - cache: a CacheLease under the storage root (cache_mount.hpp);
//  - tmpfs: a fresh tmpfs in the sandbox;
//  - secret: the value written to a file in a private tmpfs (never a disk, never a
//    snapshot) and bound read-only; a missing one is skipped unless required;
//  - ssh: a socket of the RUN's own with the mount's mode and owner, forwarding to
//    the agent socket the CLI named for the id (ssh_proxy.hpp).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.hpp"
#include "engine/graph/op.hpp"
#include "engine/ops/cache_mount.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/ssh_proxy.hpp"
#include "executor/private_tmpfs.hpp"
#include "executor/sandbox.hpp"

namespace mab::engine::ops {

// Where a build secret's value is read when a RUN mounts it (never earlier, never
// copied anywhere else).
struct SecretSource {
    enum class Kind { file, env };
    Kind kind = Kind::file;
    std::string name;  // the file's path, or the environment variable's name
};

// What RUN mounts need from the build (the runner's configuration).
struct RunMountConfig {
    std::filesystem::path cache_root;   // ROOT/cache-mounts; empty: cache mounts are refused
    std::filesystem::path scratch_dir;  // copies of bind sources, the secrets tmpfs; empty: the temp dir
    std::map<std::string, SecretSource> secrets;               // --secret, by id
    std::map<std::string, std::filesystem::path> ssh_sockets;  // --ssh, by id
};

class PreparedMounts {
public:
    // `inputs` are the op's inputs as file ops see them (input 0 the base). Throws
    // Error(input) naming the mount (a missing source, a required secret or ssh id not
    // given) and never a secret's value.
    PreparedMounts(const graph::ExecOp& op, const std::vector<FileOpInput>& inputs, const RunMountConfig& config,
                   const std::function<bool()>& cancelled);
    ~PreparedMounts();
    PreparedMounts(const PreparedMounts&) = delete;
    PreparedMounts& operator=(const PreparedMounts&) = delete;

    const std::vector<executor::SandboxMount>& mounts() const { return m_mounts; }

private:
    void add_bind(const graph::ExecMount& mount, const std::vector<FileOpInput>& inputs);
    void add_cache(const graph::ExecMount& mount, const std::vector<FileOpInput>& inputs,
                   const std::vector<std::string>& args, const std::function<bool()>& cancelled);
    void add_secret(const graph::ExecMount& mount, size_t index);
    void add_ssh(const graph::ExecMount& mount, size_t index);
    const std::filesystem::path& scratch_dir() const;

    const RunMountConfig& m_config;
    std::vector<executor::SandboxMount> m_mounts;
    std::vector<std::unique_ptr<CacheLease>> m_caches;
    std::vector<std::unique_ptr<TempDir>> m_copies;
    std::unique_ptr<executor::PrivateTmpfs> m_secrets;
    std::unique_ptr<executor::PrivateTmpfs> m_ssh_dir;  // under the temp dir: socket paths must be short
    std::vector<std::unique_ptr<SshAgentProxy>> m_ssh;
    std::filesystem::path m_default_scratch;
};

// The name a mount's type has in Dockerfiles ("bind", "cache", …), for messages.
const char* mount_type_name(graph::MountType type);

} // namespace mab::engine::ops
