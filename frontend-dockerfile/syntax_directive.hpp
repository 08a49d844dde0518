// `# syntax=` names the frontend image BuildKit would run instead of its built-in one.
// mab always parses with its own frontend, which implements Dockerfile syntax 1.0 to 1.7
// (BuildKit's 1.7 expansion rules included). A directive naming one of those versions of
// docker/dockerfile is accepted silently; anything else (a later or "labs" version,
// another frontend image) is reported as ignored, since mab cannot run it.
#pragma once

#include <string_view>

namespace mab::dockerfile {

// The newest minor version of docker/dockerfile:1 that mab's frontend implements.
constexpr int k_implemented_syntax_minor = 7;

// Whether `value` names docker/dockerfile:1, :1.N or :1.N.P with N up to
// k_implemented_syntax_minor, optionally as docker.io/docker/dockerfile and with an
// @sha256:… digest.
bool names_implemented_syntax(std::string_view value);

} // namespace mab::dockerfile
