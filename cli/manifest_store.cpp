#include "cli/manifest_store.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "oci/digest.hpp"
#include "oci/media_types.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

ManifestStore::ManifestStore(fs::path dir) : m_dir(std::move(dir)) {}

fs::path ManifestStore::path_of(const registry::Reference& ref) const {
    oci::Sha256 name;
    name.update(ref.str());
    return m_dir / (std::string(name.finish().hex()) + ".json");
}

std::optional<LocalManifestList> ManifestStore::find(const registry::Reference& ref) const {
    const fs::path path = path_of(ref);
    if (!fs::exists(path)) return std::nullopt;
    const std::string text = read_file(path);
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("index") || !doc["index"].IsObject() ||
        !doc.HasMember("sources") || !doc["sources"].IsArray())
        throw Error(ErrorKind::input, fmt::format("{}: not a manifest list file of mab (remove it with mab manifest rm {})",
                                                  path.string(), ref.str()));
    rapidjson::StringBuffer index_text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(index_text);
    doc["index"].Accept(writer);
    oci::ImageIndex index = oci::parse_image_index(index_text.GetString(), path.string());
    const auto& sources = doc["sources"].GetArray();
    if (sources.Size() != index.manifests.size())
        throw Error(ErrorKind::input, fmt::format("{}: entries and sources differ in number", path.string()));
    LocalManifestList list{ref, {}};
    for (rapidjson::SizeType i = 0; i < sources.Size(); ++i) {
        if (!sources[i].IsString()) throw Error(ErrorKind::input, fmt::format("{}: a source is not a string", path.string()));
        list.entries.push_back({index.manifests[i], registry::Reference::parse(sources[i].GetString())});
    }
    return list;
}

void ManifestStore::save(const LocalManifestList& list) const {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_oci_index);
    for (const IndexEntry& e : list.entries) index.manifests.push_back(e.descriptor);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("index");
    const std::string index_json = oci::to_json(index);
    w.RawValue(index_json.c_str(), index_json.size(), rapidjson::kObjectType);
    w.Key("ref");
    w.String(list.ref.str().c_str());
    w.Key("sources");
    w.StartArray();
    for (const IndexEntry& e : list.entries) w.String(e.source.str().c_str());
    w.EndArray();
    w.EndObject();
    fs::create_directories(m_dir);
    write_file_atomically(path_of(list.ref), std::string(buffer.GetString(), buffer.GetSize()), 0600);
}

bool ManifestStore::remove(const registry::Reference& ref) const {
    std::error_code ec;
    return fs::remove(path_of(ref), ec);
}

} // namespace mab::cli
