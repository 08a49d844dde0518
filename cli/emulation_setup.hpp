// Makes RUN possible for every platform of a build: native, qemu registered in mab's
// own binfmt_misc (inside its user namespace, never the host's), or the host's
// handlers. Set up once, on the first RUN that needs it, and kept for the build.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

#include "emu/binfmt.hpp"
#include "oci/platform.hpp"

namespace mab::cli {

class EmulationSetup {
public:
    // `platforms`: the build's target platforms; `mount_point`: an empty directory in the
    // build's work dir for the private binfmt_misc instance.
    EmulationSetup(std::vector<oci::Platform> platforms, std::filesystem::path mount_point);
    // Unmounts the private binfmt_misc so the work dir can be removed.
    ~EmulationSetup();
    EmulationSetup(const EmulationSetup&) = delete;
    EmulationSetup& operator=(const EmulationSetup&) = delete;

    // Before a RUN for `platform`: ready, or Error(emulation) saying what is missing.
    // Returns the qemu that runs the platform's binaries; empty when it runs natively.
    std::filesystem::path prepare(const oci::Platform& platform);

private:
    std::vector<oci::Platform> m_platforms;
    std::filesystem::path m_mount_point;
    std::mutex m_mutex;
    std::optional<emu::EmulationPlan> m_plan;
    bool m_mounted = false;
};

} // namespace mab::cli
