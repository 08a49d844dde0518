#include "oci/platform.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::oci {

namespace {

constexpr std::string_view k_known_os[] = {"linux", "windows", "darwin", "freebsd"};

// Canonical architectures (GOARCH names) followed by the aliases normalize_arch() maps:
// all are candidates for "did you mean", so "x86-46" suggests amd64.
constexpr std::string_view k_known_arch[] = {
    "386",    "amd64",    "arm",   "arm64",   "loong64", "mips",  "mipsle",
    "mips64", "mips64le", "ppc64", "ppc64le", "riscv64", "s390x",
};
constexpr std::string_view k_arch_aliases[] = {
    "x86_64", "x86-64", "aarch64", "armhf", "armel", "i386", "i486", "i586", "i686",
};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool contains(const auto& set, std::string_view value) {
    return std::find(std::begin(set), std::end(set), value) != std::end(set);
}

std::string normalize_os(std::string_view os) {
    std::string out = lower(os);
    if (out == "macos") out = "darwin";
    return out;
}

// containerd's normalizeArch, plus i486..i686 and numeric variants for every arch
// ("arm/7" -> v7, "arm64/8" -> v8 -> dropped).
std::pair<std::string, std::string> normalize_arch(std::string_view arch_in,
                                                   std::string_view variant_in) {
    std::string arch = lower(arch_in);
    std::string variant = lower(variant_in);
    if (!variant.empty() && variant[0] >= '0' && variant[0] <= '9') variant = "v" + variant;
    if (arch == "i386" || arch == "i486" || arch == "i586" || arch == "i686") {
        arch = "386";
        variant.clear();
    } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
        arch = "amd64";
        if (variant == "v1") variant.clear();
    } else if (arch == "aarch64" || arch == "arm64") {
        arch = "arm64";
        if (variant == "v8" || variant == "v8.0") variant.clear();
        if (variant == "v9.0") variant = "v9";
    } else if (arch == "armhf") {
        arch = "arm";
        variant = "v7";
    } else if (arch == "armel") {
        arch = "arm";
        variant = "v6";
    } else if (arch == "arm") {
        if (variant.empty()) variant = "v7";
    }
    return {arch, variant};
}

// The variants mab accepts per (normalised) architecture; "" means "no variant".
bool is_known_variant(std::string_view arch, std::string_view variant) {
    if (variant.empty()) return arch != "arm";
    if (arch == "amd64") return variant == "v2" || variant == "v3" || variant == "v4";
    if (arch == "arm")
        return variant == "v5" || variant == "v6" || variant == "v7" || variant == "v8";
    if (arch == "arm64") {
        // v8.1 … v8.9, v9, v9.1 … v9.9
        if (variant == "v9") return true;
        return variant.size() == 4 &&
               (variant.substr(0, 3) == "v8." || variant.substr(0, 3) == "v9.") &&
               variant[3] >= '1' && variant[3] <= '9';
    }
    return false;
}

std::string known_variants(std::string_view arch) {
    if (arch == "amd64") return "v2, v3, v4 or none";
    if (arch == "arm") return "v5, v6, v7, v8";
    if (arch == "arm64") return "v8.1 … v8.9, v9, v9.1 … v9.9 or none";
    return "none";
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The closest candidate within a small edit distance, or "".
std::string_view closest(std::string_view value, const std::vector<std::string_view>& candidates) {
    std::string_view best;
    size_t best_distance = std::max<size_t>(2, value.size() / 3) + 1;
    for (std::string_view candidate : candidates) {
        size_t d = edit_distance(value, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string closest_arch(std::string_view arch) {
    std::vector<std::string_view> candidates(std::begin(k_known_arch), std::end(k_known_arch));
    candidates.insert(candidates.end(), std::begin(k_arch_aliases), std::end(k_arch_aliases));
    std::string_view best = closest(lower(arch), candidates);
    return best.empty() ? std::string() : normalize_arch(best, "").first;
}

std::string closest_os(std::string_view os) {
    return std::string(closest(lower(os), {std::begin(k_known_os), std::end(k_known_os)}));
}

std::string join(const auto& set) {
    std::string out;
    for (std::string_view item : set) out += (out.empty() ? "" : ", ") + std::string(item);
    return out;
}

[[noreturn]] void throw_unknown(std::string_view text, const std::string& problem,
                                const std::string& suggestion, const std::string& hint) {
    std::string message = fmt::format("unknown platform \"{}\": {}", text, problem);
    if (!suggestion.empty()) message += fmt::format("; did you mean \"{}\"?", suggestion);
    throw Error(ErrorKind::usage, message).with_hint(hint);
}

bool is_valid_component(std::string_view part) {
    if (part.empty()) return false;
    return std::all_of(part.begin(), part.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        size_t pos = text.find(separator);
        parts.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) return parts;
        text.remove_prefix(pos + 1);
    }
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The uname(2) machine name as an OCI architecture and variant.
std::pair<std::string, std::string> arch_from_machine(std::string_view machine) {
    if (machine == "armv8l") return {"arm", "v8"};
    if (machine == "armv7l" || machine == "armv7") return {"arm", "v7"};
    if (machine == "armv6l") return {"arm", "v6"};
    if (machine == "armv5tel" || machine == "armv5tejl") return {"arm", "v5"};
    if (machine == "loongarch64") return {"loong64", ""};
    return normalize_arch(machine, "");
}

} // namespace

Platform Platform::parse(std::string_view text) {
    std::vector<std::string_view> parts = split(text, '/');
    if (parts.size() > 3) {
        throw Error(ErrorKind::usage,
                    fmt::format("invalid platform \"{}\": expected os/arch[/variant]", text));
    }
    for (std::string_view part : parts) {
        if (!is_valid_component(part)) {
            throw Error(ErrorKind::usage,
                        fmt::format("invalid platform \"{}\": component \"{}\" must be non-empty "
                                    "and use only letters, digits, '_', '.', '-'",
                                    text, part))
                .with_hint("platforms look like linux/amd64, linux/arm64 or linux/arm/v7");
        }
    }

    Platform p;
    if (parts.size() == 1) {
        // One word: an OS (then the host's architecture, like containerd) or an architecture.
        std::string os = normalize_os(parts[0]);
        if (contains(k_known_os, os)) {
            Platform host_platform = host();
            p.os = os;
            p.architecture = host_platform.architecture;
            p.variant = host_platform.variant;
            return p;
        }
        std::tie(p.architecture, p.variant) = normalize_arch(parts[0], "");
        if (!contains(k_known_arch, p.architecture)) {
            std::string arch = closest_arch(parts[0]);
            std::string os_guess = closest_os(parts[0]);
            throw_unknown(text, "not a known operating system or architecture",
                          !arch.empty() ? arch : os_guess,
                          fmt::format("known architectures: {}", join(k_known_arch)));
        }
        p.os = "linux";
    } else {
        p.os = normalize_os(parts[0]);
        std::tie(p.architecture, p.variant) =
            normalize_arch(parts[1], parts.size() == 3 ? parts[2] : std::string_view());
    }

    if (!contains(k_known_os, p.os)) {
        std::string guess = closest_os(p.os);
        throw_unknown(text, fmt::format("unknown operating system \"{}\"", parts[0]),
                      guess.empty() ? "" : guess + "/" + p.architecture,
                      fmt::format("known operating systems: {}", join(k_known_os)));
    }
    if (!contains(k_known_arch, p.architecture)) {
        std::string guess = closest_arch(parts[1]);
        throw_unknown(text, fmt::format("unknown architecture \"{}\"", parts[1]),
                      guess.empty() ? "" : Platform{p.os, guess, "", ""}.normalized().str(),
                      fmt::format("known architectures: {}", join(k_known_arch)));
    }
    if (!is_known_variant(p.architecture, p.variant)) {
        throw_unknown(
            text,
            fmt::format("unknown variant \"{}\" for {}", parts.size() == 3 ? parts[2] : "",
                        p.architecture),
            "", fmt::format("variants of {}: {}", p.architecture, known_variants(p.architecture)));
    }
    return p;
}

Platform Platform::host() {
    struct utsname name {};
    if (::uname(&name) != 0) throw_errno("uname");
    Platform p;
    p.os = "linux";
    std::tie(p.architecture, p.variant) = arch_from_machine(name.machine);
    return p;
}

Platform Platform::normalized() const {
    Platform p = *this;
    p.os = normalize_os(os);
    std::tie(p.architecture, p.variant) = normalize_arch(architecture, variant);
    return p;
}

std::string Platform::str() const {
    std::string out = os + "/" + architecture;
    if (!variant.empty()) out += "/" + variant;
    return out;
}

std::string Platform::dir_name() const {
    std::string out = str();
    std::replace(out.begin(), out.end(), '/', '_');
    return out;
}

std::vector<Platform> parse_platform_list(std::string_view text) {
    std::vector<Platform> out;
    for (std::string_view item : split(text, ',')) {
        item = trim(item);
        if (item.empty()) {
            throw Error(ErrorKind::usage, fmt::format("empty platform in list \"{}\"", text))
                .with_hint("separate platforms with single commas: linux/amd64,linux/arm64");
        }
        Platform p = Platform::parse(item);
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
    }
    return out;
}

} // namespace mab::oci
