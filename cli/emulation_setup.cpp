#include "cli/emulation_setup.hpp"

#include <fmt/format.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/user_namespace_probe.hpp"

namespace mab::cli {

EmulationSetup::EmulationSetup(std::vector<oci::Platform> platforms, std::filesystem::path mount_point)
    : m_platforms(std::move(platforms)), m_mount_point(std::move(mount_point)) {}

EmulationSetup::~EmulationSetup() {
    if (m_mounted) ::umount2(m_mount_point.c_str(), MNT_DETACH);
}

std::filesystem::path EmulationSetup::prepare(const oci::Platform& platform) {
    std::lock_guard lock(m_mutex);
    if (!m_plan) {
        std::vector<oci::Platform> wanted = m_platforms;
        if (std::find(wanted.begin(), wanted.end(), platform) == wanted.end()) wanted.push_back(platform);
        // mab always runs in a user namespace of its own (executor/user_namespace.cpp); if
        // it somehow does not, the host's binfmt_misc is the host's: use, never register.
        const bool private_possible = !in_initial_user_namespace();
        emu::EmulationPlan plan =
            emu::plan_emulation(wanted, private_possible ? emu::UsePrivate::yes : emu::UsePrivate::no);
        if (plan.needs_private_handlers()) {
            std::vector<oci::Platform> foreign;
            for (const emu::PlatformSupport& p : plan.platforms)
                if (p.how == emu::Support::private_qemu) foreign.push_back(p.platform);
            std::filesystem::create_directories(m_mount_point);
            try {
                m_mounted = true;  // a refused registration may still have mounted it
                emu::register_private_handlers(foreign, m_mount_point);
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::emulation) throw;
                plan = emu::plan_emulation(wanted, emu::UsePrivate::no);
            }
        }
        m_plan = std::move(plan);
    }
    const emu::PlatformSupport* support = m_plan->find(platform);
    if (support && support->how != emu::Support::missing) return support->interpreter;
    throw Error(ErrorKind::emulation,
                fmt::format("cannot RUN for {}: {}", platform.str(),
                            support && !support->reason.empty() ? support->reason : "no emulator"))
        .with_hint("install qemu-user-static (apt-get install qemu-user-static); on Linux 6.7 or newer mab "
                   "registers it in its own binfmt_misc, on older kernels it uses the host's handlers");
}

} // namespace mab::cli
