#include "cli/call_flag.hpp"

#include <fmt/format.h>

#include <vector>

#include "base/error.hpp"
#include "base/suggest.hpp"

namespace mab::cli {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return parts;
        start = comma + 1;
    }
}

} // namespace

CallRequest parse_call_flag(const std::string& value, const std::string& flag) {
    std::vector<std::string> parts = split_commas(value);
    CallRequest out;
    const std::string& name = parts.front();
    if (name == "build") {
        out.kind = CallRequest::Kind::build;
    } else if (name == "outline") {
        out.kind = CallRequest::Kind::outline;
    } else if (name == "targets") {
        out.kind = CallRequest::Kind::targets;
    } else if (name == "check") {
        throw Error(ErrorKind::usage, fmt::format("{}={}: build checks are not supported", flag, value))
            .with_hint("mab runs no lint rules; --call outline and --call targets are available");
    } else {
        throw Error(ErrorKind::usage,
                    with_suggestion(fmt::format("invalid {} value \"{}\": expected build, outline or targets", flag,
                                                name),
                                    name, {"build", "outline", "targets"}));
    }
    for (size_t i = 1; i < parts.size(); ++i) {
        size_t eq = parts[i].find('=');
        std::string key = parts[i].substr(0, eq);
        std::string option = eq == std::string::npos ? "" : parts[i].substr(eq + 1);
        if (key != "format")
            throw Error(ErrorKind::usage, with_suggestion(fmt::format("unknown {} option \"{}\"", flag, key), key,
                                                          {"format"}));
        if (option == "json")
            out.format = CallRequest::Format::json;
        else if (option == "text")
            out.format = CallRequest::Format::text;
        else
            throw Error(ErrorKind::usage,
                        fmt::format("invalid {} format \"{}\": expected text or json", flag, option));
    }
    return out;
}

} // namespace mab::cli
