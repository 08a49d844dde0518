#include "emu/binfmt.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/user_namespace_probe.hpp"
#include "base/format.hpp"
#include "emu/arch_table.hpp"
#include "emu/binfmt_register.hpp"

namespace mab::emu {

namespace {

constexpr const char* k_install_hint =
    "apt-get install qemu-user-static (or name a directory holding static qemu-* binaries with "
    "qemu-path: in ~/.config/mab/mab.yaml)";

std::string candidate_list(std::string_view qemu_name) {
    std::string out;
    for (const std::filesystem::path& p : qemu_candidates(qemu_name)) out += (out.empty() ? "" : ", ") + p.string();
    return out;
}
constexpr const char* k_kernel_hint =
    "mab registers qemu in its own binfmt_misc instance, which needs Linux 6.7 or newer; on "
    "older kernels it uses the host's handlers instead: register them once as root, e.g. "
    "`mab binfmt --install arm64` or Debian's qemu-user-static with binfmt-support";

std::string platform_text(const oci::Platform& platform) { return platform.normalized().str(); }

const ArchInfo* host_arch() { return find_arch(oci::Platform::host()); }

std::string masked(std::string_view magic, std::string_view mask) {
    std::string out(magic);
    for (std::size_t i = 0; i < out.size() && i < mask.size(); ++i)
        out[i] = static_cast<char>(out[i] & mask[i]);
    return out;
}

std::string hex_to_bytes(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

bool host_binfmt_enabled(const std::filesystem::path& dir) {
    std::ifstream in(dir / "status");
    std::string word;
    return in && (in >> word) && word == "enabled";
}

void refuse_initial_user_namespace() {
    if (in_initial_user_namespace())
        throw Error(ErrorKind::internal,
                    "register_private_handlers called in the initial user namespace: it must run "
                    "inside mab's own user and mount namespace, never against the host's binfmt_misc");
}

void mount_instance(const std::filesystem::path& mount_point) {
    if (is_binfmt_mount(mount_point)) return;
    if (::mount("binfmt_misc", mount_point.c_str(), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) == 0)
        return;
    const int err = errno;
    struct utsname u {};
    ::uname(&u);
    throw Error(ErrorKind::emulation,
                fmt::format("mount binfmt_misc on {}: {} (kernel {})", mount_point, std::strerror(err),
                            u.release))
        .with_hint(k_kernel_hint);
}

} // namespace

const char* support_name(Support support) {
    switch (support) {
    case Support::native: return "native";
    case Support::private_qemu: return "private qemu";
    case Support::host_qemu: return "host qemu";
    case Support::missing: return "missing";
    }
    return "missing";
}

bool EmulationPlan::needs_private_handlers() const {
    for (const PlatformSupport& p : platforms)
        if (p.how == Support::private_qemu) return true;
    return false;
}

const PlatformSupport* EmulationPlan::find(const oci::Platform& platform) const {
    const oci::Platform wanted = platform.normalized();
    for (const PlatformSupport& p : platforms)
        if (p.platform.normalized() == wanted) return &p;
    return nullptr;
}

void EmulationPlan::require_all() const {
    std::string missing;
    for (const PlatformSupport& p : platforms) {
        if (p.how != Support::missing) continue;
        missing += fmt::format("\n  {}: {}", platform_text(p.platform), p.reason);
    }
    if (!missing.empty())
        throw Error(ErrorKind::emulation, "cannot run commands for these platforms:" + missing)
            .with_hint(k_install_hint);
}

std::optional<HandlerStatus> host_handler_status(const oci::Platform& platform,
                                                 const std::filesystem::path& dir) {
    const ArchInfo* arch = find_arch(platform);
    if (arch == nullptr) return std::nullopt;
    std::ifstream in(dir / ("qemu-" + std::string(arch->qemu_name)));
    if (!in) return std::nullopt;
    HandlerStatus status;
    std::string line;
    std::string magic;
    std::string mask;
    std::string offset = "0";
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string key;
        std::string value;
        words >> key;
        std::getline(words >> std::ws, value);
        if (key == "enabled") status.enabled = true;
        else if (key == "interpreter") status.interpreter = value;
        else if (key == "flags:") status.flags = value;
        else if (key == "offset") offset = value;
        else if (key == "magic") magic = hex_to_bytes(value);
        else if (key == "mask") mask = hex_to_bytes(value);
    }
    const std::string want_mask = binfmt_bytes(arch->binfmt_mask);
    const std::string want_magic = binfmt_bytes(arch->binfmt_magic);
    if (mask.empty()) mask.assign(magic.size(), '\xff');
    status.matches = offset == "0" && mask == want_mask && masked(magic, mask) == masked(want_magic, want_mask);
    return status;
}

bool kernel_has_private_binfmt() {
    struct utsname u {};
    if (::uname(&u) != 0) return false;
    int major = 0;
    int minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 6 || (major == 6 && minor >= 7);
}

EmulationPlan plan_emulation(const std::vector<oci::Platform>& platforms, UsePrivate use_private) {
    EmulationPlan plan;
    const ArchInfo* host = host_arch();
    const bool private_ok = use_private == UsePrivate::yes && kernel_has_private_binfmt();
    const bool host_enabled = host_binfmt_enabled(k_host_binfmt_dir);
    for (const oci::Platform& platform : platforms) {
        PlatformSupport entry;
        entry.platform = platform.normalized();
        const ArchInfo* arch = find_arch(platform);
        if (arch == nullptr) {
            entry.reason = fmt::format("mab knows no emulator for {}", platform_text(platform));
            plan.platforms.push_back(std::move(entry));
            continue;
        }
        if (host != nullptr && runs_natively(*arch, *host)) {
            entry.how = Support::native;
            if (arch != host && arch->architecture == "386")
                entry.reason = "runs natively in 32-bit mode (the sandbox sets PER_LINUX32, so uname -m says i686)";
            plan.platforms.push_back(std::move(entry));
            continue;
        }
        const std::optional<std::filesystem::path> qemu = find_qemu(*arch);
        if (qemu && private_ok) {
            entry.how = Support::private_qemu;
            entry.interpreter = *qemu;
            plan.platforms.push_back(std::move(entry));
            continue;
        }
        const std::optional<HandlerStatus> handler = host_handler_status(platform);
        std::string handler_note;
        if (handler) {
            if (!host_enabled) handler_note = "the host's binfmt_misc is disabled";
            else if (!handler->enabled) handler_note = "the host's handler is disabled";
            else if (!handler->matches) handler_note = "the host's handler has a different magic/mask";
            else if (handler->flags.find('F') == std::string::npos)
                handler_note = "the host's handler lacks the F flag, so qemu is not found after pivot_root";
            else {
                entry.how = Support::host_qemu;
                entry.interpreter = handler->interpreter;
                plan.platforms.push_back(std::move(entry));
                continue;
            }
        }
        const std::string qemu_name = "qemu-" + std::string(arch->qemu_name);
        if (!qemu)
            entry.reason = fmt::format("{} is not installed: {}", qemu_name, k_install_hint);
        else if (use_private == UsePrivate::no)
            entry.reason = fmt::format("mab's private binfmt_misc registration was refused and no usable "
                                       "host handler {} is registered", qemu_name);
        else
            entry.reason = fmt::format("this kernel is older than 6.7 (no private binfmt_misc) and no usable "
                                       "host handler {} is registered", qemu_name);
        if (!handler_note.empty()) entry.reason += " (" + handler_note + ")";
        plan.platforms.push_back(std::move(entry));
    }
    return plan;
}

std::vector<PlatformSupport> probe_platforms() {
    std::vector<oci::Platform> all;
    for (const ArchInfo& arch : arch_table())
        all.push_back(oci::Platform{"linux", std::string(arch.architecture), std::string(arch.variant), ""});
    return plan_emulation(all).platforms;
}

std::vector<PlatformSupport> register_private_handlers(const std::vector<oci::Platform>& platforms,
                                                       const std::filesystem::path& mount_point) {
    refuse_initial_user_namespace();
    const ArchInfo* host = host_arch();
    std::vector<PlatformSupport> todo;
    std::vector<const ArchInfo*> arches;
    std::set<std::string_view> seen;
    for (const oci::Platform& platform : platforms) {
        const ArchInfo* arch = find_arch(platform);
        if (arch == nullptr)
            throw Error(ErrorKind::emulation,
                        fmt::format("mab knows no emulator for {}", platform_text(platform)));
        if (host != nullptr && runs_natively(*arch, *host)) continue;
        if (!seen.insert(arch->qemu_name).second) continue;
        const std::optional<std::filesystem::path> qemu = find_qemu(*arch);
        if (!qemu)
            throw Error(ErrorKind::emulation,
                        fmt::format("RUN for {} needs a static qemu-{}, which is not installed (looked for {})",
                                    platform_text(platform), arch->qemu_name,
                                    candidate_list(arch->qemu_name)))
                .with_hint(k_install_hint);
        todo.push_back(PlatformSupport{platform.normalized(), Support::private_qemu, *qemu, {}});
        arches.push_back(arch);
    }
    if (todo.empty()) return todo;
    mount_instance(mount_point);
    for (std::size_t i = 0; i < todo.size(); ++i) {
        try {
            register_qemu_handler(mount_point, *arches[i], todo[i].interpreter);  // false: registered earlier
        } catch (Error& e) {
            e.with_hint(k_kernel_hint);
            throw;
        }
    }
    return todo;
}

} // namespace mab::emu
