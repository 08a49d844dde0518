// Joins what the frontend decided (config, history) with what the engine built
// (layers) into one platform's image for the exporter.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/solve/result.hpp"
#include "exporter/exporter.hpp"
#include "frontend-dockerfile/dockerfile.hpp"

namespace mab::cli {

// created times are SOURCE_DATE_EPOCH, else the Unix epoch: the same inputs give the
// same image digest (as ko and Jib do); docs/architecture.md says why.
exporter::PlatformImage image_from_result(const dockerfile::LoweredImage& lowered, const engine::Ref& ref,
                                          std::optional<int64_t> source_date_epoch);

} // namespace mab::cli
