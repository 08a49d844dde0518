// Where a tarball output goes: a file written atomically (nothing half-written is
// ever left at `dest`), or stdout for dest "-".
#pragma once

#include <memory>
#include <string>

#include "base/atomic_file.hpp"
#include "oci/compression.hpp"

namespace mab::exporter {

class OutputFile {
public:
    explicit OutputFile(const std::string& dest);
    int fd() const;
    // Publishes the file (no-op for stdout).
    void commit();

private:
    std::unique_ptr<AtomicFile> m_file;  // null for stdout
};

// An oci::Sink that writes to a file descriptor.
class FdSink : public oci::Sink {
public:
    explicit FdSink(int fd) : m_fd(fd) {}
    void write(const void* data, size_t size) override;
    void finish() override {}

private:
    int m_fd;
};

} // namespace mab::exporter
