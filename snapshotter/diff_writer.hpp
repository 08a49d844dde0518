// What both differs (native tree_diff, overlay upper walk) write through: entries of the
// upper tree and whiteouts, each preceded by the directories above it that are not in
// the layer yet, so a directory appears only when it or something below it changed.
// The layer starts with the first entry: a diff with no change writes no blob.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"
#include "snapshotter/layer_builder.hpp"

namespace mab::snapshotter {

class DiffWriter {
public:
    DiffWriter(std::filesystem::path upper, oci::ContentStore& store, const LayerOptions& options);

    // Directory `rel` of the upper is being walked; `changed`: it goes into the layer
    // now (with its parents), else only once something below it does.
    void enter_dir(const std::string& rel, bool changed);
    void leave_dir();
    // The upper's entry `rel` (not a directory being walked), and a whiteout for `rel`.
    void add(const std::string& rel);
    void add_whiteout(const std::string& rel);

    std::optional<Layer> finish();

    static std::string join(const std::string& rel, const std::string& name) {
        return rel.empty() ? name : rel + "/" + name;
    }

private:
    struct OpenDir {
        std::string rel;
        bool written;
    };

    // Writes the directories we are in that are not in the layer yet, outermost first.
    void flush_parents();
    TarWriter& tar();

    std::filesystem::path m_upper;
    oci::ContentStore& m_store;
    const LayerOptions& m_options;
    std::unique_ptr<LayerBuilder> m_builder;
    std::vector<OpenDir> m_open_dirs;
};

} // namespace mab::snapshotter
