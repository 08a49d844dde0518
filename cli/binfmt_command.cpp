// `mab binfmt`: which platforms this machine can build RUN steps for, and how —
// natively, with qemu registered in mab's own binfmt_misc, with the host's handlers, or
// not at all. `--json` prints tonistiigi/binfmt's "supported"/"emulators" keys plus
// mab's per-platform detail. `--install`/`--uninstall` (root) manage host-wide handlers
// like tonistiigi/binfmt, for users who want them; builds never need them on Linux 6.7+.
#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "emu/arch_table.hpp"
#include "emu/binfmt.hpp"
#include "emu/host_handlers.hpp"

namespace mab::cli {

namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

const std::vector<FlagSpec> k_binfmt_flags{
    {"install", 0, "LIST", "Register qemu handlers host-wide (root): arm64,riscv64 | linux/arm/v7 | all", ""},
    {"uninstall", 0, "LIST", "Remove host-wide handlers (root): arm64 | qemu-aarch64 | all", ""},
    {"json", 0, "", "Print JSON", ""},
    {"help", 'h', "", "Show this help", ""},
};

std::string qemu_name(const emu::PlatformSupport& p) {
    const emu::ArchInfo* arch = emu::find_arch(p.platform);
    return arch ? "qemu-" + std::string(arch->qemu_name) : std::string();
}

void write_status(JsonWriter& w, const std::vector<emu::PlatformSupport>& platforms) {
    w.Key("supported");
    w.StartArray();
    for (const auto& p : platforms)
        if (p.how != emu::Support::missing) w.String(p.platform.str());
    w.EndArray();
    w.Key("emulators");
    w.StartArray();
    std::vector<std::string> seen;
    for (const auto& p : platforms) {
        if (p.how != emu::Support::private_qemu && p.how != emu::Support::host_qemu) continue;
        std::string name = qemu_name(p);
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
        seen.push_back(name);
        w.String(name);
    }
    w.EndArray();
    w.Key("platforms");
    w.StartArray();
    for (const auto& p : platforms) {
        w.StartObject();
        w.Key("platform");
        w.String(p.platform.str());
        w.Key("how");
        w.String(emu::support_name(p.how));
        if (!p.interpreter.empty()) {
            w.Key("interpreter");
            w.String(p.interpreter.string());
        }
        if (!p.reason.empty()) {
            w.Key("reason");
            w.String(p.reason);
        }
        w.EndObject();
    }
    w.EndArray();
}

// What a host change did, as tonistiigi/binfmt words it ("OK") or why not.
std::string outcome_text(const emu::HandlerChange& change) {
    switch (change.outcome) {
    case emu::HandlerOutcome::done: return "OK";
    case emu::HandlerOutcome::unchanged: return change.detail;
    case emu::HandlerOutcome::skipped: return "skipped: " + change.detail;
    case emu::HandlerOutcome::failed: return "error: " + change.detail;
    }
    return change.detail;
}

struct HostChanges {
    bool mounted = false;
    std::vector<emu::HandlerChange> uninstalled;
    std::vector<emu::HandlerChange> installed;
};

void write_changes(JsonWriter& w, const char* key, const std::vector<emu::HandlerChange>& changes) {
    w.Key(key);
    w.StartArray();
    for (const emu::HandlerChange& c : changes) {
        w.StartObject();
        w.Key("name");
        w.String(c.name);
        w.Key("entry");
        w.String(c.entry);
        if (!c.interpreter.empty()) {
            w.Key("interpreter");
            w.String(c.interpreter.string());
        }
        w.Key("result");
        w.String(c.outcome == emu::HandlerOutcome::done        ? "OK"
                 : c.outcome == emu::HandlerOutcome::unchanged ? "unchanged"
                 : c.outcome == emu::HandlerOutcome::skipped   ? "skipped"
                                                               : "error");
        if (!c.detail.empty()) {
            w.Key("detail");
            w.String(c.detail);
        }
        w.EndObject();
    }
    w.EndArray();
}

void print_json(const std::vector<emu::PlatformSupport>& platforms, const HostChanges* changes) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    if (changes) {
        w.Key("mounted");
        w.Bool(changes->mounted);
        write_changes(w, "uninstalling", changes->uninstalled);
        write_changes(w, "installing", changes->installed);
    }
    write_status(w, platforms);
    w.EndObject();
    fmt::print("{}\n", buffer.GetString());
}

// --install/--uninstall: uninstall first, then install (as tonistiigi/binfmt does).
HostChanges change_host_handlers(const ParsedFlags& flags, bool json) {
    // Names first: a typo changes nothing, not even the mount.
    if (const auto list = flags.last("uninstall")) emu::check_handler_list(*list, emu::HandlerList::uninstall);
    if (const auto list = flags.last("install")) emu::check_handler_list(*list, emu::HandlerList::install);
    HostChanges changes;
    changes.mounted = emu::open_host_binfmt(emu::k_host_binfmt_dir);
    if (changes.mounted && !json) fmt::print("mounted binfmt_misc on {}\n", emu::k_host_binfmt_dir);
    if (const auto list = flags.last("uninstall")) {
        changes.uninstalled = emu::uninstall_handlers(*list, emu::k_host_binfmt_dir);
        if (changes.uninstalled.empty() && !json) fmt::print("uninstalling: nothing registered\n");
        for (const emu::HandlerChange& c : changes.uninstalled)
            if (!json) fmt::print("uninstalling: {} {}\n", c.entry, outcome_text(c));
    }
    if (const auto list = flags.last("install")) {
        changes.installed = emu::install_handlers(*list, emu::k_host_binfmt_dir);
        for (const emu::HandlerChange& c : changes.installed)
            if (!json) fmt::print("installing: {} {}\n", c.name, outcome_text(c));
    }
    return changes;
}

void fail_if_any_failed(const HostChanges& changes) {
    std::vector<std::string> failed;
    for (const auto* list : {&changes.uninstalled, &changes.installed})
        for (const emu::HandlerChange& c : *list)
            if (c.outcome == emu::HandlerOutcome::failed) failed.push_back(c.name);
    if (failed.empty()) return;
    std::string names;
    for (const std::string& n : failed) names += (names.empty() ? "" : ", ") + n;
    throw Error(ErrorKind::emulation, fmt::format("could not change the host's handlers for: {}", names));
}

} // namespace

int run_binfmt_command(const std::vector<std::string>& args, CommandContext&) {
    ParsedFlags flags = parse_flags(args, k_binfmt_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab binfmt [--json] [--install LIST] [--uninstall LIST]\n\n"
                   "Show which platforms RUN steps can run for, and how. Builds register qemu in their\n"
                   "own binfmt_misc (Linux 6.7+) and need nothing on the host; --install and --uninstall\n"
                   "change the host's handlers, for users who want them (root only).\n\n"
                   "Options:\n{}",
                   format_flag_help(k_binfmt_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, fmt::format("mab binfmt takes no arguments, got \"{}\"", flags.positional.front()))
            .with_hint("to register handlers host-wide: mab binfmt --install arm64,riscv64");
    const bool json = flags.flag("json");
    std::optional<HostChanges> changes;
    if (flags.has("install") || flags.has("uninstall")) changes = change_host_handlers(flags, json);
    if (json) {
        print_json(emu::probe_platforms(), changes ? &*changes : nullptr);
    } else if (!changes) {
        for (const auto& p : emu::probe_platforms()) {
            std::string detail = !p.interpreter.empty() ? p.interpreter.string() : p.reason;
            fmt::print("{:<16} {:<13} {}\n", p.platform.str(), emu::support_name(p.how), detail);
        }
    }
    if (changes) fail_if_any_failed(*changes);
    return 0;
}

} // namespace mab::cli
