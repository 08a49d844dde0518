// `-o/--output` values in buildx's CSV syntax ("type=oci,dest=out.tar,compression=zstd",
// a bare path for a local directory, "-" for a tar on stdout) parsed into an OutputSpec.
#pragma once

#include <string>
#include <vector>

#include "exporter/exporter.hpp"

namespace mab::cli {

exporter::OutputSpec parse_output_flag(const std::string& value);

// Splits one CSV record: commas separate fields; double quotes group ("a,b") and a
// doubled quote inside quotes is a literal quote.
std::vector<std::string> split_csv(const std::string& value);

} // namespace mab::cli
