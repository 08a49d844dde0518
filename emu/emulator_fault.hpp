// Tells a RUN that died in its emulator from a command that failed. A RUN that ran under
// qemu-user and ended with qemu's own report of a fatal guest signal ("qemu: uncaught
// target signal 11 (Segmentation fault) - core dumped") or was killed by SIGSEGV,
// SIGILL, SIGBUS, SIGABRT or SIGTRAP is an emulator fault: often a gap in qemu's
// emulation rather than the command's bug, so the message names the qemu binary and its
// version and the hint says how to get around it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "oci/platform.hpp"

namespace mab::emu {

// Watches a RUN's stderr, fed in chunks as they arrive (lines may be split between
// chunks), for qemu's report of an uncaught target signal.
class QemuReportWatch {
public:
    void feed(std::string_view chunk);
    // The last such report (one line, without the newline), or "".
    std::string report() const;

private:
    std::string m_line;  // the unfinished line, cut at a few hundred bytes
    std::string m_report;
};

// How the RUN's process ended, as the sandbox reports it.
struct RunEnd {
    int exit_code = 0;  // 128 + signal when killed
    int signal = 0;     // the signal that killed it, 0 if it exited
};

struct EmulatorFault {
    std::filesystem::path qemu;  // the emulator the RUN ran under
    int signal = 0;              // the signal that killed the RUN's process, 0 if it exited
    std::string qemu_report;     // qemu's own line, or "" when only the signal tells
};

// The fault, or nullopt when the RUN ran natively (`qemu` empty), succeeded, or failed in
// a way that points at the command (an exit code, or a signal such as SIGKILL or SIGTERM
// with no report from qemu).
std::optional<EmulatorFault> find_emulator_fault(const std::filesystem::path& qemu, const RunEnd& end,
                                                 const std::string& qemu_report);

// "emulator fault: qemu-user (/usr/bin/qemu-aarch64-static, qemu-aarch64 version 7.2.18)
// reported: qemu: uncaught target signal 11 …"; `version` from QemuVersions::of.
std::string describe_emulator_fault(const EmulatorFault& fault, std::string_view version);

// The usual ways out, for the error's hint.
std::string emulator_fault_hint(const oci::Platform& platform);

} // namespace mab::emu
