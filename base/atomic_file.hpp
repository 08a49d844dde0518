// Write a file completely or not at all: data goes to a temporary file beside the
// target; commit() fsyncs and renames it into place; destruction without commit()
// removes the temporary. Used for blobs, records, tarballs, --iidfile, --metadata-file.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "base/unique_fd.hpp"

namespace mab {

class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path target, unsigned mode = 0644);
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    void write(std::string_view data);
    void write(const void* data, size_t size);
    int fd() const { return m_fd.get(); }
    const std::filesystem::path& temp_path() const { return m_temp; }

    // fsync, rename over the target, fsync the directory.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_temp;
    UniqueFd m_fd;
    bool m_committed = false;
};

// Writes `data` to `target` atomically.
void write_file_atomically(const std::filesystem::path& target, std::string_view data,
                           unsigned mode = 0644);

// Reads a whole (small) file; throws SystemError naming the path.
std::string read_file(const std::filesystem::path& path);

// Reads `fd` to its end in 64 KiB chunks handed to `chunk`, retrying EINTR; throws
// SystemError naming `path` on a read error.
void read_chunks(int fd, const std::filesystem::path& path, const std::function<void(const char*, size_t)>& chunk);

} // namespace mab
