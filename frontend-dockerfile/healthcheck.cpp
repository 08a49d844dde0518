#include "frontend-dockerfile/healthcheck.hpp"

#include <fmt/format.h>

#include <cctype>
#include <climits>
#include <optional>

#include "frontend-dockerfile/command_line.hpp"
#include "frontend-dockerfile/flags.hpp"
#include "frontend-dockerfile/go_duration.hpp"
#include "frontend-dockerfile/go_text.hpp"
#include "frontend-dockerfile/parser.hpp"

namespace mab::dockerfile {

namespace {

Error fail(const std::string& message) { return Error(ErrorKind::dockerfile, message); }

// parseOptInterval: empty is 0 (inherit), otherwise a Go duration of at least 1ms
// (container.MinimumDuration), or exactly 0.
int64_t interval(const ParsedFlags& flags, const std::string& name) {
    std::string value = flags.get(name).value_or("");
    if (value.empty()) return 0;
    int64_t ns = parse_go_duration(value);
    if (ns != 0 && ns < 1000000)
        throw fail(fmt::format("Interval \"{}\" cannot be less than 1ms", name));
    return ns;
}

// strconv.ParseInt(value, 10, 32), then BuildKit's check for negative counts.
int64_t retries(const ParsedFlags& flags) {
    std::string value = flags.get("retries").value_or("");
    if (value.empty()) return 0;
    size_t digits_start = value[0] == '+' || value[0] == '-' ? 1 : 0;
    bool syntax_ok = value.size() > digits_start;
    for (size_t i = digits_start; i < value.size(); ++i)
        syntax_ok = syntax_ok && std::isdigit(static_cast<unsigned char>(value[i]));
    if (!syntax_ok)
        throw fail(fmt::format("strconv.ParseInt: parsing {}: invalid syntax", go_quote(value)));
    std::string digits = value.substr(digits_start);
    size_t first = digits.find_first_not_of('0');
    digits = first == std::string::npos ? "0" : digits.substr(first);
    long long n = digits.size() > 11 ? LLONG_MAX : std::stoll(digits);
    if (value[0] == '-') n = -n;
    if (n > INT32_MAX || n < INT32_MIN)
        throw fail(fmt::format("strconv.ParseInt: parsing {}: value out of range", go_quote(value)));
    if (n < 0) throw fail(fmt::format("--retries cannot be negative ({})", n));
    return n;
}

} // namespace

HealthcheckInstruction parse_healthcheck(const RawInstruction& raw) {
    // The parser splits off the first word (the type) and reads the rest as a JSON
    // array or a shell command (BuildKit's parseHealthConfig + parseMaybeJSON).
    const std::string& args = raw.args;
    size_t type_end = args.find_first_of(" \t\r\n\v\f");
    std::string type = to_upper(args.substr(0, type_end));
    std::string rest = type_end == std::string::npos ? "" : trim(args.substr(type_end));
    if (type.empty()) throw fail("HEALTHCHECK requires at least one argument");

    HealthcheckInstruction out;
    if (type == "NONE") {
        if (!rest.empty()) throw fail("HEALTHCHECK NONE takes no arguments");
        out.health.test = {"NONE"};
        return out;
    }
    ParsedFlags flags = parse_flags(raw.keyword, raw.flags,
                                    {{"interval", FlagKind::string},
                                     {"timeout", FlagKind::string},
                                     {"start-period", FlagKind::string},
                                     {"start-interval", FlagKind::string},
                                     {"retries", FlagKind::string}});
    if (type != "CMD") throw fail(fmt::format("Unknown type \"{}\" in HEALTHCHECK (try CMD)", type));
    std::vector<std::string> command;
    bool json = false;
    if (!rest.empty()) {
        switch (parse_json_array(rest, command)) {
        case JsonForm::strings:
            json = true;
            break;
        case JsonForm::not_strings:
            throw fail("when using JSON array syntax, arrays must be comprised of strings only");
        case JsonForm::not_json:
            command = {rest};
            break;
        }
    }
    if (command.empty()) throw fail("Missing command after HEALTHCHECK CMD");
    out.health.test = {json ? "CMD" : "CMD-SHELL"};
    out.health.test.insert(out.health.test.end(), command.begin(), command.end());
    out.health.interval = interval(flags, "interval");
    out.health.timeout = interval(flags, "timeout");
    out.health.start_period = interval(flags, "start-period");
    out.health.start_interval = interval(flags, "start-interval");
    out.health.retries = retries(flags);
    return out;
}

std::string healthcheck_history(const oci::HealthcheckConfig& h) {
    return fmt::format("HEALTHCHECK {{Test:{} Interval:{} Timeout:{} StartPeriod:{} StartInterval:{} Retries:{}}}",
                       go_list(h.test), format_go_duration(h.interval), format_go_duration(h.timeout),
                       format_go_duration(h.start_period), format_go_duration(h.start_interval), h.retries);
}

} // namespace mab::dockerfile
