#include "exporter/docker_archive.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "oci/image.hpp"
#include "registry/reference.hpp"

namespace mab::exporter {

std::string docker_manifest_json(const AssembledImages& images, const std::vector<std::string>& names) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto blob = [](const oci::Digest& d) {
        return "blobs/" + std::string(d.algorithm()) + "/" + std::string(d.hex());
    };
    w.StartArray();
    w.StartObject();
    w.Key("Config");
    w.String(blob(images.config_digests.front()));
    w.Key("RepoTags");
    w.StartArray();
    for (const std::string& name : names) {
        registry::Reference ref = registry::Reference::parse(name);
        if (!ref.tag.empty()) w.String(ref.familiar());
    }
    w.EndArray();
    w.Key("Layers");
    w.StartArray();
    for (const oci::Descriptor& layer : images.layers.front()) w.String(blob(layer.digest));
    w.EndArray();
    w.EndObject();
    w.EndArray();
    return buffer.GetString();
}

} // namespace mab::exporter
