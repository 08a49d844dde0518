// How mab runs foreign binaries: qemu-user registered in mab's own binfmt_misc instance
// (per user namespace since Linux 6.7), else the host's registered handlers, else a
// clear error. Nothing here ever writes to the host's /proc/sys/fs/binfmt_misc.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/platform.hpp"

namespace mab::emu {

inline constexpr const char* k_host_binfmt_dir = "/proc/sys/fs/binfmt_misc";

enum class Support {
    native,        // the host runs it directly
    private_qemu,  // qemu-user registered by mab in its own binfmt_misc instance
    host_qemu,     // a matching handler the host registered (POCF-capable) is used
    missing,       // cannot run; `reason` says what to install
};

const char* support_name(Support support);  // "native", "private qemu", "host qemu", "missing"

struct PlatformSupport {
    oci::Platform platform;
    Support how = Support::missing;
    std::filesystem::path interpreter;  // qemu for private/host qemu
    std::string reason;                 // why missing, or a note (e.g. the host handler lacks F)
};

struct EmulationPlan {
    std::vector<PlatformSupport> platforms;  // in the order asked for

    // True when at least one platform needs register_private_handlers().
    bool needs_private_handlers() const;
    // The entry for `platform` (normalised comparison); nullptr if not in the plan.
    const PlatformSupport* find(const oci::Platform& platform) const;
    // Throws Error(emulation) naming every missing platform and what to install.
    void require_all() const;
};

// One registered handler as the kernel reports it in <dir>/qemu-<name>.
struct HandlerStatus {
    bool enabled = false;
    std::filesystem::path interpreter;
    std::string flags;     // "POCF", "PF", ...
    bool matches = false;  // magic and mask equal mab's table row
};

// Reads <dir>/qemu-<qemu_name> (read-only). nullopt if there is no such handler or
// binfmt_misc is not mounted at `dir`.
std::optional<HandlerStatus> host_handler_status(const oci::Platform& platform,
                                                 const std::filesystem::path& dir = k_host_binfmt_dir);

// True if this kernel gives each user namespace its own binfmt_misc (Linux >= 6.7).
bool kernel_has_private_binfmt();

enum class UsePrivate { yes, no };

// Decides per platform how RUN will execute it, without changing anything. With
// UsePrivate::no (e.g. after register_private_handlers was refused) only native and host
// handlers count.
EmulationPlan plan_emulation(const std::vector<oci::Platform>& platforms,
                             UsePrivate use_private = UsePrivate::yes);

// Every platform of the arch table and how this machine can build it (`mab binfmt`).
std::vector<PlatformSupport> probe_platforms();

// Mounts a fresh binfmt_misc instance on `mount_point` (an existing directory) and
// registers qemu-<name> with flags POCF for every foreign platform in `platforms` (native
// ones are skipped; platforms sharing a qemu are registered once). Must run inside mab's
// own user and mount namespace: refuses with Error(internal) in the initial user namespace
// so it can never touch the host's handlers. The mount must stay mounted while RUNs
// execute (unmounting drops the handlers); F makes the kernel open qemu now, so it works
// after pivot_root. Errors: no qemu -> Error(emulation) naming qemu-user-static; the kernel
// refusing the mount or the registration -> Error(emulation) explaining the Linux 6.7
// requirement and the host-handler fallback. Returns what was registered.
std::vector<PlatformSupport> register_private_handlers(const std::vector<oci::Platform>& platforms,
                                                       const std::filesystem::path& mount_point);

} // namespace mab::emu
