#include "emu/host_handlers.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/user_namespace_probe.hpp"
#include "emu/binfmt_register.hpp"

namespace mab::emu {

namespace {

struct Request {
    std::string name;
    std::string entry;
    const ArchInfo* arch = nullptr;  // nullptr: an entry name mab has no row for (uninstall only)
    bool from_all = false;
};

std::vector<std::string> split_list(std::string_view list) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = std::min(list.find(',', start), list.size());
        std::string item(list.substr(start, end - start));
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item.empty())
            throw Error(ErrorKind::usage, fmt::format("empty name in the architecture list \"{}\"", list))
                .with_hint("e.g. arm64,riscv64 or linux/arm/v7 or all");
        items.push_back(item);
        start = end + 1;
    }
    return items;
}

std::string row_name(const ArchInfo& arch) {
    return arch.variant.empty() ? std::string(arch.architecture)
                                : fmt::format("{}/{}", arch.architecture, arch.variant);
}

const ArchInfo* row_for_entry(std::string_view entry) {
    for (const ArchInfo& arch : arch_table())
        if (handler_name(arch) == entry) return &arch;
    return nullptr;
}

// Entry names are file names in binfmt_misc: keep them to what qemu's names use.
bool valid_entry_name(std::string_view entry) {
    return entry.size() > 5 && entry != "register" && entry != "status" &&
           std::all_of(entry.begin(), entry.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; });
}

std::string known_rows() {
    std::string out;
    for (const ArchInfo& arch : arch_table()) out += (out.empty() ? "" : ", ") + row_name(arch);
    return out;
}

// The arch-table row for a platform or architecture name; Error(usage) if there is none.
// "arm/v7" (arch/variant, as users shorten linux/arm/v7) is accepted too.
oci::Platform parse_name(const std::string& name) {
    try {
        return oci::Platform::parse(name);
    } catch (const Error&) {
        if (std::count(name.begin(), name.end(), '/') != 1) throw;
        try {
            return oci::Platform::parse("linux/" + name);
        } catch (const Error&) {
        }
        throw;
    }
}

const ArchInfo& row_for_name(const std::string& name) {
    const oci::Platform platform = parse_name(name);
    const ArchInfo* arch = find_arch(platform);
    if (arch == nullptr)
        throw Error(ErrorKind::usage, fmt::format("mab has no qemu handler for {}", platform.str()))
            .with_hint("known: " + known_rows() + ", all");
    return *arch;
}

std::vector<Request> parse_requests(std::string_view list, HandlerList use) {
    std::vector<Request> requests;
    auto add = [&requests](Request r) {
        for (const Request& seen : requests)
            if (seen.entry == r.entry) return;  // arm/v6 and arm/v7 share qemu-arm
        requests.push_back(std::move(r));
    };
    for (const std::string& item : split_list(list)) {
        if (item == "all") {
            for (const ArchInfo& arch : arch_table()) add({row_name(arch), handler_name(arch), &arch, true});
        } else if (item.rfind("qemu-", 0) == 0) {
            const ArchInfo* arch = row_for_entry(item);
            if (arch == nullptr && (use == HandlerList::install || !valid_entry_name(item)))
                throw Error(ErrorKind::usage, fmt::format("mab has no qemu handler named {}", item))
                    .with_hint("known: " + known_rows() + ", all");
            add({item, item, arch, false});
        } else {
            const ArchInfo& arch = row_for_name(item);
            add({item, handler_name(arch), &arch, false});
        }
    }
    return requests;
}

HandlerChange install_one(const Request& request, const ArchInfo* host, const std::filesystem::path& dir) {
    HandlerChange change{request.name, request.entry, {}, HandlerOutcome::skipped, {}};
    if (host != nullptr && runs_natively(*request.arch, *host)) {
        change.detail = "runs natively on this host";
        return change;
    }
    const std::optional<std::filesystem::path> qemu = find_qemu(*request.arch);
    if (!qemu) {
        change.detail = fmt::format("qemu-{} is not installed (apt-get install qemu-user-static)", request.arch->qemu_name);
        if (!request.from_all) change.outcome = HandlerOutcome::failed;
        return change;
    }
    change.interpreter = *qemu;
    try {
        if (register_qemu_handler(dir, *request.arch, *qemu)) {
            change.outcome = HandlerOutcome::done;
            return change;
        }
        change.outcome = HandlerOutcome::unchanged;
        const oci::Platform platform{"linux", std::string(request.arch->architecture),
                                     std::string(request.arch->variant), ""};
        const std::optional<HandlerStatus> status = host_handler_status(platform, dir);
        if (status) change.interpreter = status->interpreter;
        change.detail = status ? fmt::format("{} already registered (interpreter {}, flags {}{})", request.entry,
                                             status->interpreter, status->flags.empty() ? "none" : status->flags,
                                             status->enabled ? "" : ", disabled")
                               : request.entry + " already registered";
    } catch (const Error& e) {
        change.outcome = HandlerOutcome::failed;
        change.detail = e.what();
    }
    return change;
}

} // namespace

void check_handler_list(std::string_view list, HandlerList use) { parse_requests(list, use); }

bool open_host_binfmt(const std::filesystem::path& dir) {
    if (::geteuid() != 0)
        throw Error(ErrorKind::emulation,
                    "changing the host's binfmt_misc handlers needs root (mab binfmt --install/--uninstall)")
            .with_hint("run it as root, e.g. sudo mab binfmt --install arm64; builds themselves need no host "
                       "handlers on Linux 6.7 or newer");
    if (!in_initial_user_namespace())
        throw Error(ErrorKind::emulation,
                    fmt::format("the host's binfmt_misc ({}) cannot be reached from here: this process runs in a "
                                "user namespace of its own (a container or sandbox), where binfmt_misc changes "
                                "stay private or are refused",
                                dir))
            .with_hint("run mab binfmt --install as root on the host itself, or in a privileged container");
    if (is_binfmt_mount(dir)) return false;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw Error(ErrorKind::emulation, fmt::format("{} does not exist: this kernel has no binfmt_misc loaded", dir))
            .with_hint("load it with modprobe binfmt_misc (kernel option CONFIG_BINFMT_MISC)");
    if (::mount("binfmt_misc", dir.c_str(), "binfmt_misc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        const int err = errno;
        throw Error(ErrorKind::emulation, fmt::format("mount binfmt_misc on {}: {}", dir, std::strerror(err)))
            .with_hint("in a container, the host's binfmt_misc can only be changed from a privileged one");
    }
    return true;
}

std::vector<HandlerChange> install_handlers(std::string_view list, const std::filesystem::path& dir) {
    const std::vector<Request> requests = parse_requests(list, HandlerList::install);
    const ArchInfo* host = find_arch(oci::Platform::host());
    std::vector<HandlerChange> changes;
    for (const Request& request : requests) {
        // "all" means the platforms this host needs an emulator for.
        if (request.from_all && host != nullptr && runs_natively(*request.arch, *host)) continue;
        changes.push_back(install_one(request, host, dir));
    }
    return changes;
}

std::vector<HandlerChange> uninstall_handlers(std::string_view list, const std::filesystem::path& dir) {
    std::vector<HandlerChange> changes;
    for (const Request& request : parse_requests(list, HandlerList::uninstall)) {
        // "all" lists only what is there to remove.
        if (request.from_all && !std::filesystem::exists(dir / request.entry)) continue;
        HandlerChange change{request.name, request.entry, {}, HandlerOutcome::unchanged, {}};
        try {
            if (remove_handler(dir, request.entry)) change.outcome = HandlerOutcome::done;
            else change.detail = request.entry + " is not registered";
        } catch (const Error& e) {
            change.outcome = HandlerOutcome::failed;
            change.detail = e.what();
        }
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace mab::emu
