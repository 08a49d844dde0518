// The text and JSON that `mab build --call targets|outline` prints, in buildx's layout:
// tables aligned as Go's text/tabwriter aligns them, and JSON as BuildKit marshals its
// frontend.targets and frontend.outline results (sources are the Dockerfile in base64).
#pragma once

#include <string>
#include <vector>

#include "frontend-dockerfile/outline.hpp"

namespace mab::cli {

std::string targets_text(const std::vector<dockerfile::TargetInfo>& targets);
std::string targets_json(const std::vector<dockerfile::TargetInfo>& targets, const std::string& dockerfile_text);

std::string outline_text(const dockerfile::Outline& outline);
std::string outline_json(const dockerfile::Outline& outline, const std::string& dockerfile_text);

// Go's tabwriter with minwidth 0 and `padding` spaces: every cell but a row's last is
// padded to its column's widest cell (in runes) plus `padding`.
std::string tab_table(const std::vector<std::vector<std::string>>& rows, size_t padding);

} // namespace mab::cli
