#include "cli/metadata_file.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace mab::cli {

std::string metadata_json(const BuildOutcome& outcome) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    if (!outcome.config_digest.empty()) {
        w.Key("containerimage.config.digest");
        w.String(outcome.config_digest);
    }
    if (!outcome.image_digest.empty()) {
        w.Key("containerimage.descriptor");
        w.StartObject();
        w.Key("mediaType");
        w.String(outcome.image_media_type);
        w.Key("digest");
        w.String(outcome.image_digest);
        w.Key("size");
        w.Int64(outcome.image_size);
        w.EndObject();
        w.Key("containerimage.digest");
        w.String(outcome.image_digest);
    }
    if (!outcome.image_name.empty()) {
        w.Key("image.name");
        w.String(outcome.image_name);
    }
    if (!outcome.snapshotter.empty()) {
        w.Key("mab.snapshotter");
        w.String(outcome.snapshotter);
    }
    w.Key("mab.vertices.cached");
    w.Int(outcome.cached);
    w.Key("mab.vertices.executed");
    w.Int(outcome.executed);
    w.EndObject();
    return std::string(buffer.GetString()) + "\n";
}

} // namespace mab::cli
