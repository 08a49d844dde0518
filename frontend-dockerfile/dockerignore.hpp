// .dockerignore files, read as BuildKit reads them (moby/patternmatcher's
// ignorefile.ReadAll): one pattern a line; a line starting with `#` is a comment (only
// in the first column); surrounding spaces go; `!` marks an exception; each pattern is
// cleaned like a path (`./a/` is `a`, `a/../b` is `b`) and a leading `/` is dropped
// (patterns are relative to the context's root). A UTF-8 BOM before the first line is
// skipped. What the patterns mean is engine/ops/exclude_patterns.hpp's.
#pragma once

#include <string>
#include <vector>

namespace mab::dockerfile {

// The patterns of a .dockerignore file's text, in order.
std::vector<std::string> parse_dockerignore(const std::string& text);

} // namespace mab::dockerfile
