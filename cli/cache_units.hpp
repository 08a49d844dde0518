// Sizes and durations as docker and buildx write and read them, for `mab du`, `mab prune`,
// `mab info` and mab.yaml's `gc:` settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mab::cli {

// docker/go-units HumanSize: decimal units, 4 significant digits ("8.224kB", "1.704GB",
// "512B").
std::string human_size(int64_t bytes);

// docker/go-units HumanDuration ("Less than a second", "About an hour", "13 days"); the
// caller adds " ago".
std::string human_duration(int64_t seconds);

// Go's time.Duration String for whole seconds: "48h0m0s", "1m30s", "0s".
std::string go_duration(int64_t seconds);

// A Go duration ("24h", "1h30m", "90s", "1.5h"); whole seconds, rounded down. nullopt for
// anything else (negative or empty included).
std::optional<int64_t> parse_duration(std::string_view text);

// A size as buildx's --keep-storage reads it (docker/go-units RAMInBytes): a number of
// bytes with an optional binary unit, "512", "512k", "2GB", "1.5GiB" (1GB = 1024³ bytes).
// nullopt for anything else.
std::optional<int64_t> parse_size(std::string_view text);

} // namespace mab::cli
