// Writes the tar files that exporters produce (OCI layout, docker archive): entries
// with fixed owner 0:0, fixed modes and a fixed mtime, so the same images give the
// same tarball. Blob contents are streamed from disk; a WriteMeter, if given, counts
// the bytes of the files' contents (not the tar headers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace mab::exporter {

class WriteMeter;

class ArchiveOut {
public:
    // Writes to `fd` (not owned). `mtime` is used for every entry. `meter` (may be
    // null) must outlive the ArchiveOut.
    ArchiveOut(int fd, int64_t mtime, WriteMeter* meter = nullptr);
    ~ArchiveOut();
    ArchiveOut(const ArchiveOut&) = delete;
    ArchiveOut& operator=(const ArchiveOut&) = delete;

    void add_directory(const std::string& name);
    void add_file(const std::string& name, std::string_view data);
    void add_file_from(const std::string& name, const std::filesystem::path& source);
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mab::exporter
