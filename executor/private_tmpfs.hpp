// A small tmpfs mounted on a new temporary directory in mab's own mount namespace
// (so no other process on the host sees it), for data that must never touch a disk
// or a snapshot: RUN --mount=type=secret files are written here and bound into the
// sandbox. Unmounted (its contents gone) and removed when the holder goes away.
// Must be used inside mab's user + mount namespace (enter_build_namespace()).
#pragma once

#include <filesystem>

namespace mab::executor {

class PrivateTmpfs {
public:
    // Mounts a tmpfs of at most `size_bytes` (mode 0700) on `<parent>/<prefix>XXXXXX`.
    // Throws Error(sandbox) naming the directory when it cannot.
    PrivateTmpfs(const std::filesystem::path& parent, const std::string& prefix, long size_bytes);
    ~PrivateTmpfs();
    PrivateTmpfs(const PrivateTmpfs&) = delete;
    PrivateTmpfs& operator=(const PrivateTmpfs&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace mab::executor
