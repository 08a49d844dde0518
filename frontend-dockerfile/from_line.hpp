// A FROM line's words with the global ARGs expanded, as BuildKit resolves every stage's
// FROM before building (so a bad FROM fails the build even in a stage the target does
// not need), with BuildKit's error messages.
#pragma once

#include <optional>
#include <string>

#include "frontend-dockerfile/parser.hpp"
#include "frontend-dockerfile/variables.hpp"
#include "oci/platform.hpp"

namespace mab::dockerfile {

struct StageBase {
    std::string base;                       // "scratch", a stage name or an image reference
    std::optional<oci::Platform> platform;  // FROM --platform, parsed
};

// Expands FROM's base name and --platform with `globals`. Errors throw Error(dockerfile)
// located at the FROM: "base name (X) should not be blank", "empty platform value from
// expression X", "failed to parse platform X: …" (with a "did you mean" for a
// misspelt variable), or the expansion's own error.
StageBase resolve_from_line(const Stage& stage, const Variables& globals, char escape);

} // namespace mab::dockerfile
