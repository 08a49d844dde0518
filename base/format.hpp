// mab's fmt formatters. Paths print plain (fmt/std.h would quote them); do not mix
// in fmt/std.h.
#pragma once

#include <fmt/format.h>

#include <filesystem>

template <>
struct fmt::formatter<std::filesystem::path> : fmt::formatter<std::string_view> {
    template <typename Ctx>
    auto format(const std::filesystem::path& p, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(p.native(), ctx);
    }
};
