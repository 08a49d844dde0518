#include "emu/emulator_fault.hpp"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "base/format.hpp"

namespace mab::emu {

namespace {

// qemu-user's linux-user/signal.c prints this before it kills itself with the signal.
constexpr std::string_view k_report_prefix = "qemu: uncaught target signal ";
constexpr std::size_t k_max_line = 512;

bool is_report(std::string_view line) { return line.substr(0, k_report_prefix.size()) == k_report_prefix; }

// Signals a process under qemu dies of when the emulation itself goes wrong (or the
// guest crashes the way an emulation gap makes it crash).
bool is_fault_signal(int signal) {
    return signal == SIGSEGV || signal == SIGILL || signal == SIGBUS || signal == SIGABRT || signal == SIGTRAP;
}

std::string signal_name(int signal) {
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

} // namespace

void QemuReportWatch::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        const std::size_t newline = chunk.find('\n');
        const std::string_view piece = chunk.substr(0, newline);
        // Only the start of a line can make it a report: keep no more than that.
        if (m_line.size() < k_max_line) m_line.append(piece.substr(0, k_max_line - m_line.size()));
        if (newline == std::string_view::npos) return;
        if (is_report(m_line)) m_report = m_line;
        m_line.clear();
        chunk.remove_prefix(newline + 1);
    }
}

std::string QemuReportWatch::report() const { return is_report(m_line) ? m_line : m_report; }

std::optional<EmulatorFault> find_emulator_fault(const std::filesystem::path& qemu, const RunEnd& end,
                                                 const std::string& qemu_report) {
    if (qemu.empty() || end.exit_code == 0) return std::nullopt;
    if (qemu_report.empty() && !is_fault_signal(end.signal)) return std::nullopt;
    return EmulatorFault{qemu, end.signal, qemu_report};
}

std::string describe_emulator_fault(const EmulatorFault& fault, std::string_view version) {
    const std::string emulator = fmt::format("qemu-user ({}, {})", fault.qemu, version);
    if (!fault.qemu_report.empty())
        return fmt::format("emulator fault: {} reported \"{}\"", emulator, fault.qemu_report);
    return fmt::format("emulator fault: the process running under {} was killed by {}", emulator,
                       signal_name(fault.signal));
}

std::string emulator_fault_hint(const oci::Platform& platform) {
    const std::string name = platform.normalized().str();
    return fmt::format("the step ran under qemu-user emulation for {0}; if the command works on a real {0} "
                       "machine, qemu is the cause: build {0} on a native {0} runner, or install a newer "
                       "qemu-user-static (mab binfmt shows which qemu each platform uses)",
                       name);
}

} // namespace mab::emu
