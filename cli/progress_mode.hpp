// Which progress view `mab build` shows: buildx's --progress values and BUILDKIT_PROGRESS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mab::cli {

enum class ProgressMode {
    automatic,  // tty when stderr is a terminal, else plain
    plain,      // numbered lines, as buildx --progress=plain
    tty,        // a live view redrawn in place
    quiet,      // errors only (and the image id on stdout)
    rawjson,    // one JSON status object per line, as buildx --progress=rawjson
};

// Parses a --progress value; `origin` names where it came from ("--progress",
// "BUILDKIT_PROGRESS") in the error for anything else.
ProgressMode parse_progress_mode(std::string_view value, std::string_view origin);

// The mode a build uses: the flag if given, else BUILDKIT_PROGRESS (as buildx), else auto.
ProgressMode choose_progress_mode(const std::optional<std::string>& flag, const char* environment);

// `automatic` decided for the stream at `fd`: tty on a terminal, plain otherwise.
ProgressMode resolve_progress_mode(ProgressMode mode, int fd);

} // namespace mab::cli
