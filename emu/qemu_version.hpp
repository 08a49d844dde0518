// The version of a qemu-user binary, for messages that blame the emulator: the first
// line of `<qemu> --version`, e.g. "qemu-aarch64 version 7.2.18 (Debian 1:7.2+dfsg-7)".
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace mab::emu {

// Runs `<qemu> --version` (stdin and stderr on /dev/null, an empty environment) and
// returns its first line. Throws Error(emulation) when it cannot run, fails or prints
// nothing.
std::string read_qemu_version(const std::filesystem::path& qemu);

// read_qemu_version, run at most once per binary for the life of this object (one build:
// engine::Runner owns one). Thread-safe. A failure is kept as "version unknown: <why>".
class QemuVersions {
public:
    std::string of(const std::filesystem::path& qemu);

private:
    std::mutex m_mutex;
    std::map<std::filesystem::path, std::string> m_versions;
};

} // namespace mab::emu
