// The instructions that only change the image config: ENV, LABEL, USER, CMD,
// ENTRYPOINT, EXPOSE, VOLUME, STOPSIGNAL, SHELL, MAINTAINER, ONBUILD, HEALTHCHECK. History texts
// follow BuildKit's (which prints some values with Go's fmt verbs).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/healthcheck.hpp"
#include "frontend-dockerfile/lower_state.hpp"
#include "frontend-dockerfile/ports.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

void insert_sorted(std::vector<std::string>& list, const std::string& value) {
    auto it = std::lower_bound(list.begin(), list.end(), value);
    if (it == list.end() || *it != value) list.insert(it, value);
}

// moby/sys/signal.ParseSignal on Linux: a number from 1 to 255, or a name of its
// SignalMap ("SIG" optional, any case), which has RTMIN+1…RTMIN+15 and RTMAX-14…RTMAX-1.
void check_stop_signal(const std::string& signal) {
    static const std::set<std::string> k_names = {
        "ABRT", "ALRM", "BUS",  "CHLD", "CLD",  "CONT",   "FPE",  "HUP",  "ILL",    "INT",
        "IO",   "IOT",  "KILL", "PIPE", "POLL", "PROF",   "PWR",  "QUIT", "SEGV",   "STKFLT",
        "STOP", "SYS",  "TERM", "TRAP", "TSTP", "TTIN",   "TTOU", "URG",  "USR1",   "USR2",
        "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX"};
    auto is_number = [](const std::string& s) {
        return !s.empty() && s.size() <= 3 &&
               std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    // strconv.ParseUint(s, 10, 8) first: 0 is refused with a capital I, as moby does.
    if (is_number(signal) && std::stoi(signal) <= 255) {
        if (std::stoi(signal) == 0) throw Error(ErrorKind::dockerfile, fmt::format("Invalid signal: {}", signal));
        return;
    }
    std::string name = to_upper(signal);
    if (name.compare(0, 3, "SIG") == 0) name = name.substr(3);
    if (k_names.count(name)) return;
    for (const auto& [prefix, highest] : {std::pair<std::string, int>{"RTMIN+", 15}, {"RTMAX-", 14}}) {
        std::string offset = name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : "";
        // SignalMap's keys are "RTMIN+1", never "RTMIN+01".
        if (is_number(offset) && offset[0] != '0' && std::stoi(offset) <= highest) return;
    }
    throw Error(ErrorKind::dockerfile, fmt::format("invalid signal: {}", signal));
}

class ConfigLowerer {
public:
    ConfigLowerer(StageState& stage, const Command& command, LowerContext& context)
        : m_stage(stage), m_command(command), m_context(context), m_config(stage.result.config.config),
          m_lookup(stage.lookup()), m_escape(context.dockerfile().escape) {}

    std::string expand(const std::string& word) const { return expand_word(word, m_lookup, m_escape); }

    void operator()(const EnvInstruction& env) {
        std::string created_by = "ENV";
        for (const KeyValue& kv : env.pairs) {
            std::string key = expand(kv.key), value = expand(kv.value);
            if (key.empty()) throw Error(ErrorKind::dockerfile, "ENV names can not be blank");
            set_env(m_config.env, key, value);
            m_stage.result.variables.set(key, value);
            created_by += " " + key + "=" + value;
        }
        add_history(m_stage, created_by);
    }

    void operator()(const LabelInstruction& label) {
        std::string created_by = "LABEL";
        for (const KeyValue& kv : label.pairs) {
            std::string key = expand(kv.key), value = expand(kv.value);
            if (key.empty()) throw Error(ErrorKind::dockerfile, "LABEL names can not be blank");
            m_config.labels[key] = value;
            created_by += " " + key + "=" + value;
        }
        add_history(m_stage, created_by);
    }

    void operator()(const UserInstruction& user) {
        m_config.user = expand(user.user);
        add_history(m_stage, "USER " + m_config.user);
    }

    void operator()(const CmdInstruction& cmd) {
        m_config.cmd = command_args(cmd.command, m_config);
        m_config.args_escaped = true;  // BuildKit sets it with every CMD
        m_stage.cmd_set = true;
        add_history(m_stage, "CMD " + go_quote_list(*m_config.cmd));
    }

    void operator()(const EntrypointInstruction& entrypoint) {
        m_config.entrypoint = command_args(entrypoint.command, m_config);
        // Docker: an ENTRYPOINT resets a CMD inherited from the base.
        if (!m_stage.cmd_set) m_config.cmd.reset();
        add_history(m_stage, "ENTRYPOINT " + go_quote_list(*m_config.entrypoint));
    }

    void operator()(const ExposeInstruction& expose) {
        std::vector<std::string> ports;
        for (const std::string& word : expose.ports)
            for (const std::string& spec : expand_words(word, m_lookup, m_escape)) {
                for (const std::string& port : expand_port_spec(spec)) insert_sorted(ports, port);
                // BuildKit exposes the container port and its ExposeInvalidFormat check warns.
                if (spec.find(':') != std::string::npos)
                    m_context.warn(fmt::format("{}:{}: ExposeInvalidFormat: EXPOSE instruction should not define "
                                               "an IP address or host-port mapping, found '{}'",
                                               m_command.span.file, m_command.span.first_line, spec));
            }
        // Go prints the nat.PortSet map with its keys sorted: map[443/tcp:{} 80/tcp:{}].
        std::string created_by = "EXPOSE map[";
        for (size_t i = 0; i < ports.size(); ++i) {
            created_by += (i ? " " : "") + ports[i] + ":{}";
            insert_sorted(m_config.exposed_ports, ports[i]);
        }
        add_history(m_stage, created_by + "]");
    }

    void operator()(const VolumeInstruction& volume) {
        std::vector<std::string> volumes;
        for (const std::string& v : volume.volumes) {
            std::string path = expand(v);
            if (path.empty()) throw Error(ErrorKind::dockerfile, "VOLUME specified can not be an empty string");
            volumes.push_back(path);
            insert_sorted(m_config.volumes, path);
        }
        add_history(m_stage, "VOLUME " + go_list(volumes));
    }

    void operator()(const StopSignalInstruction& stop) {
        std::string signal = expand(stop.signal);
        check_stop_signal(signal);
        m_config.stop_signal = signal;
        add_history(m_stage, "STOPSIGNAL " + signal);
    }

    void operator()(const ShellInstruction& shell) {
        m_config.shell = shell.shell;
        add_history(m_stage, "SHELL " + go_list(shell.shell));
    }

    void operator()(const MaintainerInstruction& maintainer) {
        m_stage.result.config.author = maintainer.maintainer;
        add_history(m_stage, "MAINTAINER " + maintainer.maintainer);
    }

    // BuildKit records the trigger without a history entry.
    void operator()(const OnbuildInstruction& onbuild) { m_config.on_build.push_back(onbuild.expression); }

    // Not expanded (BuildKit's HEALTHCHECK takes no variables); replaces an inherited one.
    void operator()(const HealthcheckInstruction& healthcheck) {
        m_config.healthcheck = healthcheck.health;
        add_history(m_stage, healthcheck_history(healthcheck.health));
    }

    template <typename T>
    void operator()(const T&) {
        throw Error(ErrorKind::internal, "lower_config called for an instruction it does not handle");
    }

private:
    StageState& m_stage;
    const Command& m_command;
    LowerContext& m_context;
    oci::ContainerConfig& m_config;
    VariableLookup m_lookup;
    char m_escape;
};

} // namespace

std::vector<std::string> shell_args(const oci::ContainerConfig& config) {
    return config.shell && !config.shell->empty() ? *config.shell : std::vector<std::string>{"/bin/sh", "-c"};
}

std::vector<std::string> command_args(const CommandForm& form, const oci::ContainerConfig& config) {
    if (!form.prepend_shell) return form.args;
    std::vector<std::string> args = shell_args(config);
    std::string joined;
    for (size_t i = 0; i < form.args.size(); ++i) joined += (i ? " " : "") + form.args[i];
    args.push_back(joined);
    return args;
}


void lower_config(StageState& stage, const Command& command, LowerContext& context) {
    ConfigLowerer lowerer(stage, command, context);
    std::visit(lowerer, command.instruction);
}

} // namespace mab::dockerfile
