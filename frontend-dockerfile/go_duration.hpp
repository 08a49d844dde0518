// Durations the way Go's time package reads and prints them, because HEALTHCHECK's
// flags are parsed with time.ParseDuration and BuildKit's history prints them with
// Duration.String ("5m0s", "1.5s", "300ms").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mab::dockerfile {

// time.ParseDuration: "[-+]" then one or more "<decimal><unit>" with units ns, us
// (µs, μs), ms, s, m, h; "0" alone is zero. Returns nanoseconds; throws
// Error(dockerfile) with Go's message ("time: invalid duration \"x\"", "time: missing
// unit in duration \"5\"", "time: unknown unit \"d\" in duration \"1d\"").
int64_t parse_go_duration(std::string_view text);

// time.Duration.String.
std::string format_go_duration(int64_t nanoseconds);

} // namespace mab::dockerfile
