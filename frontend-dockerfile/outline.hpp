// What `mab build --call outline|targets` reports without building, as BuildKit's
// frontend subrequests do: the stages a Dockerfile offers as targets, and the build
// args a target uses with their values and descriptions (from "# NAME text" comments
// right above the FROM or ARG, as BuildKit's getComment reads them).
#pragma once

#include <string>
#include <vector>

#include "frontend-dockerfile/dockerfile.hpp"

namespace mab::dockerfile {

// One stage as BuildKit's frontend.targets lists it (its words as written).
struct TargetInfo {
    std::string name;         // "" for a stage without AS
    std::string description;
    std::string base;         // FROM's image or stage, unexpanded
    std::string platform;     // FROM --platform, unexpanded
    bool is_default = false;  // the last stage
    int first_line = 0;
    int last_line = 0;
};

std::vector<TargetInfo> list_targets(const ParsedDockerfile& dockerfile);

struct OutlineArg {
    std::string name;
    std::string value;        // as the build would see it, --build-arg included
    std::string description;
    int first_line = 0;       // of the ARG that defines it
    int last_line = 0;
};

struct Outline {
    std::string name;         // the target stage's name
    std::string description;
    std::vector<OutlineArg> args;  // by line
};

// The build args request.target (or the last stage) uses, as BuildKit's
// frontend.outline: global ARGs its FROM lines (or those of the stages it builds on or
// copies from) expand, and the ARGs those stages declare, with the global ARGs their
// defaults read. Values come from --build-arg and defaults; mab does not resolve base
// images for this, so a default that reads an image's ENV sees it unset. FROM and
// --from errors throw as a build would report them.
Outline outline(const ParsedDockerfile& dockerfile, const LowerRequest& request);

} // namespace mab::dockerfile
