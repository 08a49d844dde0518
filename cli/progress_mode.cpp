#include "cli/progress_mode.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::cli {

ProgressMode parse_progress_mode(std::string_view value, std::string_view origin) {
    if (value == "auto") return ProgressMode::automatic;
    if (value == "plain") return ProgressMode::plain;
    if (value == "tty") return ProgressMode::tty;
    if (value == "quiet") return ProgressMode::quiet;
    if (value == "rawjson") return ProgressMode::rawjson;
    throw Error(ErrorKind::usage, fmt::format("invalid {} \"{}\": expected auto, plain, tty, quiet or rawjson",
                                              origin, value));
}

ProgressMode choose_progress_mode(const std::optional<std::string>& flag, const char* environment) {
    if (flag) return parse_progress_mode(*flag, "--progress");
    if (environment != nullptr && *environment != '\0') return parse_progress_mode(environment, "BUILDKIT_PROGRESS");
    return ProgressMode::automatic;
}

ProgressMode resolve_progress_mode(ProgressMode mode, int fd) {
    if (mode != ProgressMode::automatic) return mode;
    return ::isatty(fd) == 1 ? ProgressMode::tty : ProgressMode::plain;
}

} // namespace mab::cli
