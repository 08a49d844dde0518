// A directory that is removed with everything in it when the holder goes away.
#pragma once

#include <filesystem>

namespace mab {

class TempDir {
public:
    // Creates `<parent>/<prefix>XXXXXX` (mode 0700).
    TempDir(const std::filesystem::path& parent, const std::string& prefix);
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    ~TempDir();

    const std::filesystem::path& path() const { return m_path; }
    // Keeps the directory on disk (ownership moves to the caller).
    std::filesystem::path release();

private:
    std::filesystem::path m_path;
};

// Removes a tree, making read-only directories writable first so removal cannot
// fail on modes the build set (e.g. COPY --chmod=555 dir). Errors are ignored.
void remove_tree_forcefully(const std::filesystem::path& path) noexcept;

} // namespace mab
