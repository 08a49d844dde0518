#include "snapshotter/diff_writer.hpp"

namespace mab::snapshotter {

DiffWriter::DiffWriter(std::filesystem::path upper, oci::ContentStore& store, const LayerOptions& options)
    : m_upper(std::move(upper)), m_store(store), m_options(options) {}

void DiffWriter::enter_dir(const std::string& rel, bool changed) {
    m_open_dirs.push_back({rel, false});
    if (changed) flush_parents();
}

void DiffWriter::leave_dir() { m_open_dirs.pop_back(); }

void DiffWriter::add(const std::string& rel) {
    flush_parents();
    tar().add(rel, m_upper / rel);
}

void DiffWriter::add_whiteout(const std::string& rel) {
    flush_parents();
    tar().add_whiteout(rel);
}

std::optional<Layer> DiffWriter::finish() {
    if (!m_builder) return std::nullopt;
    return m_builder->finish();
}

void DiffWriter::flush_parents() {
    for (OpenDir& d : m_open_dirs) {
        if (d.written) continue;
        tar().add(d.rel, m_upper / d.rel);
        d.written = true;
    }
}

TarWriter& DiffWriter::tar() {
    if (!m_builder) m_builder = std::make_unique<LayerBuilder>(m_store, m_options);
    return m_builder->tar();
}

} // namespace mab::snapshotter
