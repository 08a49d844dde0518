// `mab binfmt`: which platforms this machine can build RUN steps for, and how —
// natively, with qemu registered in mab's own binfmt_misc, with the host's handlers, or
// not at all. `--json` prints tonistiigi/binfmt's "supported"/"emulators" keys plus
// mab's per-platform detail.
#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "emu/arch_table.hpp"
#include "emu/binfmt.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_binfmt_flags{
    {"json", 0, "", "Print JSON", ""},
    {"help", 'h', "", "Show this help", ""},
};

std::string qemu_name(const emu::PlatformSupport& p) {
    const emu::ArchInfo* arch = emu::find_arch(p.platform);
    return arch ? "qemu-" + std::string(arch->qemu_name) : std::string();
}

void print_json(const std::vector<emu::PlatformSupport>& platforms) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
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
    w.EndObject();
    fmt::print("{}\n", buffer.GetString());
}

} // namespace

int run_binfmt_command(const std::vector<std::string>& args, CommandContext&) {
    ParsedFlags flags = parse_flags(args, k_binfmt_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab binfmt [--json]\n\nShow which platforms RUN steps can run for, and how.\n\n"
                   "Options:\n{}",
                   format_flag_help(k_binfmt_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, "mab binfmt takes no arguments (--install/--uninstall are not supported yet)");
    const std::vector<emu::PlatformSupport> platforms = emu::probe_platforms();
    if (flags.flag("json")) {
        print_json(platforms);
        return 0;
    }
    for (const auto& p : platforms) {
        std::string detail = !p.interpreter.empty() ? p.interpreter.string() : p.reason;
        fmt::print("{:<16} {:<13} {}\n", p.platform.str(), emu::support_name(p.how), detail);
    }
    return 0;
}

} // namespace mab::cli
