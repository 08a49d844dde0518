#include "engine/cache/cache_transfer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <set>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "oci/image.hpp"
#include "oci/image_layout.hpp"
#include "oci/media_types.hpp"

namespace mab::engine::cache {

namespace fs = std::filesystem;

std::string cache_config_json(const std::vector<CacheRecord>& records) {
    std::string out = "{\"records\":[";
    for (size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + record_to_json(records[i]);
    return out + "],\"version\":1}";
}

std::vector<CacheRecord> parse_cache_config(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("records") || !doc["records"].IsArray())
        throw Error(ErrorKind::input, "cache config: not a JSON object with a \"records\" array");
    if (!doc.HasMember("version") || !doc["version"].IsInt() || doc["version"].GetInt() != 1)
        throw Error(ErrorKind::input, "cache config: unknown format version (written by a newer mab?)");
    std::vector<CacheRecord> records;
    for (const rapidjson::Value& value : doc["records"].GetArray()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        value.Accept(writer);
        records.push_back(record_from_json(std::string(buffer.GetString(), buffer.GetSize())));
    }
    return records;
}

oci::Descriptor stage_cache_manifest(const std::vector<CacheRecord>& records, oci::ContentStore& store) {
    oci::ImageManifest manifest;
    manifest.media_type = std::string(oci::media_type::k_oci_manifest);
    manifest.config = store.put(cache_config_json(records), k_cache_config_media_type);
    std::set<oci::Digest> seen;
    for (const CacheRecord& record : records)
        for (const CachedLayer& layer : record.layers)
            if (seen.insert(layer.layer.blob.digest).second) manifest.layers.push_back(layer.layer.blob);
    return store.put(oci::to_json(manifest), std::string(oci::media_type::k_oci_manifest));
}

std::vector<CacheRecord> read_cache_manifest(const oci::Descriptor& manifest_desc, const oci::ContentStore& store) {
    oci::ImageManifest manifest = oci::parse_image_manifest(store.get(manifest_desc.digest), manifest_desc.digest.str());
    if (manifest.config.media_type != k_cache_config_media_type)
        throw Error(ErrorKind::input,
                    fmt::format("{} is not a mab cache (its config is {}, not {})", manifest_desc.digest.str(),
                                manifest.config.media_type, k_cache_config_media_type));
    return parse_cache_config(store.get(manifest.config.digest));
}

namespace {

// Copies a blob from the store into the layout unless it is there (by digest).
void copy_blob(const oci::ContentStore& store, const oci::Digest& digest, const fs::path& blobs) {
    const fs::path target = blobs / std::string(digest.hex());
    if (fs::exists(target)) return;
    AtomicFile out(target, 0644);
    UniqueFd in(::open(store.path_of(digest).c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) throw_errno("open", store.path_of(digest).string());
    std::vector<char> buffer(1 << 16);
    for (;;) {
        ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read", store.path_of(digest).string());
        if (n == 0) break;
        out.write(buffer.data(), static_cast<size_t>(n));
    }
    out.commit();
}

} // namespace

void write_cache_layout(const fs::path& dir, const oci::Descriptor& manifest_desc, const oci::ContentStore& store) {
    const fs::path blobs = dir / "blobs" / "sha256";
    fs::create_directories(blobs);
    oci::ImageManifest manifest = oci::parse_image_manifest(store.get(manifest_desc.digest), manifest_desc.digest.str());
    copy_blob(store, manifest.config.digest, blobs);
    for (const oci::Descriptor& layer : manifest.layers) copy_blob(store, layer.digest, blobs);
    copy_blob(store, manifest_desc.digest, blobs);
    write_file_atomically(dir / "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_oci_index);
    index.manifests.push_back(manifest_desc);
    write_file_atomically(dir / "index.json", oci::to_json(index));
}

oci::Descriptor import_cache_layout_manifest(const fs::path& dir, oci::ContentStore& store) {
    oci::ImageLayout layout(dir);
    oci::Descriptor manifest = layout.find("");
    layout.import_blob(manifest, store);
    oci::ImageManifest parsed = oci::parse_image_manifest(store.get(manifest.digest), manifest.digest.str());
    layout.import_blob(parsed.config, store);
    return manifest;
}

int import_records(const std::vector<CacheRecord>& records, const std::function<bool(const oci::Digest&)>& wanted,
                   const std::function<void(const std::vector<oci::Descriptor>&)>& fetch_blobs,
                   const RecordStore& into, const oci::ContentStore& store) {
    int imported = 0;
    for (const CacheRecord& record : records) {
        if (!wanted(record.key) || into.find(record.key)) continue;
        std::vector<oci::Descriptor> missing;
        for (const CachedLayer& layer : record.layers)
            if (!store.has(layer.layer.blob.digest)) missing.push_back(layer.layer.blob);
        if (!missing.empty()) fetch_blobs(missing);
        into.put(record);  // after its blobs: a record never names a blob the store lacks
        ++imported;
    }
    return imported;
}

} // namespace mab::engine::cache
