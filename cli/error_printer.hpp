// The one place that prints errors: buildx-style blocks for Dockerfile errors
// (file:line, the offending lines with a ">>>" marker, the message, a hint), plain
// "ERROR: …" for the rest, and the exit-code table.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "base/error.hpp"

namespace mab::cli {

// Sources whose lines an error may point at, by the file name used in SourceSpans.
class SourceRegistry {
public:
    void add(const std::string& file, std::string text) { m_texts[file] = std::move(text); }
    const std::string* find(const std::string& file) const;

private:
    std::map<std::string, std::string> m_texts;
};

void print_error(std::FILE* out, const Error& error, const SourceRegistry& sources);

// usage errors exit 2, a cancelled build 130, everything else 1 (as buildx does for
// failed builds).
int exit_code_for(ErrorKind kind);

} // namespace mab::cli
