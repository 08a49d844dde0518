// Platforms (os/arch[/variant]) parsed, normalised and formatted the way containerd's
// platforms package does: "aarch64" -> arm64, "x86_64" -> amd64, "arm" -> arm/v7,
// "armhf" -> arm/v7, "arm64/v8" == arm64, "i386" -> 386.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

namespace mab::oci {

struct Platform {
    std::string os;            // "linux"
    std::string architecture;  // "amd64", "arm64", "arm", "ppc64le", "s390x", "386", "riscv64"
    std::string variant;       // "v7", "v8", "" …
    std::string os_version;    // rarely used (Windows)
    std::vector<std::string> os_features = {};  // "os.features" (Windows: "win32k"); index entries

    // Parses "linux/arm64", "arm64" (os defaults to linux), "linux/arm/v7",
    // "linux/aarch64" …; normalises. Unknown os/arch/variant throws mab::Error(usage)
    // that names the value and suggests the closest known platform.
    static Platform parse(std::string_view text);

    // The platform mab runs on (from uname), normalised.
    static Platform host();

    // Normalised copy (e.g. arm64/v8 -> arm64, arm -> arm/v7).
    Platform normalized() const;

    // "linux/arm/v7", "linux/amd64".
    std::string str() const;
    // buildx's directory name for local outputs: "linux_arm_v7".
    std::string dir_name() const;

    auto operator<=>(const Platform&) const = default;
};

// Parses a comma-separated list (as --platform takes), normalises, drops duplicates,
// keeps the order given.
std::vector<Platform> parse_platform_list(std::string_view text);

} // namespace mab::oci
