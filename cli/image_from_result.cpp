#include "cli/image_from_result.hpp"

#include <set>

#include "base/error.hpp"

namespace mab::cli {

exporter::PlatformImage image_from_result(const dockerfile::LoweredImage& lowered, const engine::Ref& ref,
                                          std::optional<int64_t> source_date_epoch) {
    exporter::PlatformImage image;
    image.config = lowered.config;
    image.rootfs = ref.rootfs;
    const std::string created = oci::format_rfc3339(source_date_epoch.value_or(0));
    image.config.created = created;

    std::set<oci::Digest> layer_vertices;
    for (const engine::LayerRecord& record : ref.layers) {
        image.config.diff_ids.push_back(record.layer.diff_id);
        image.layers.push_back(record.layer.blob);
        layer_vertices.insert(record.vertex);
    }
    // A step whose change turned out empty made no layer: its history says so.
    size_t non_empty = 0;
    for (const dockerfile::HistoryStep& step : lowered.history) {
        if (step.from_base) {
            // The base image's own history, with its own times and empty_layer flags.
            if (!step.from_base->empty_layer) ++non_empty;
            image.config.history.push_back(*step.from_base);
            continue;
        }
        oci::HistoryEntry entry;
        entry.created = created;
        entry.created_by = step.created_by;
        entry.comment = "mab";
        entry.empty_layer = !(step.layer_vertex && layer_vertices.count(*step.layer_vertex));
        if (!entry.empty_layer) ++non_empty;
        image.config.history.push_back(entry);
    }
    if (non_empty != ref.layers.size())
        throw Error(ErrorKind::internal, "image history does not match its layers");
    return image;
}

} // namespace mab::cli
