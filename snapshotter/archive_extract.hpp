// Extracts tar archives (plain, gzip, bzip2, xz, zstd — as ADD auto-extracts) into a
// RootFs. libarchive only parses; every write goes through RootFs, so entries with
// "../", absolute names, symlinked parents or hardlinks to outside cannot escape.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "snapshotter/in_root.hpp"

namespace mab::snapshotter {

// True if the file is a tar archive libarchive can read (possibly compressed). A file
// that merely looks compressed but holds no tar (a plain .gz of a text file) is false,
// as with Docker's ADD, which then copies it as is.
bool is_tar_archive(const std::filesystem::path& file);

struct ExtractOptions {
    std::optional<Ownership> chown;        // override owners of every entry
    bool preserve_owners = true;           // else entries get 0:0 (or chown)
    std::optional<int64_t> source_date_epoch;
};

// Extracts `archive` into `dest_dir` (an in-root path; created if missing).
// Entries whose names escape are confined; device nodes when not permitted are an
// Error(input) naming the entry. Caps: PAX headers 1 MiB.
void extract_tar(const std::filesystem::path& archive, RootFs& root, const std::string& dest_dir,
                 const ExtractOptions& options);

} // namespace mab::snapshotter
