#include "engine/cache/record_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace mab::engine::cache {

namespace fs = std::filesystem;

namespace {

constexpr int k_format_version = 1;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void member(JsonWriter& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

const rapidjson::Value& field(const rapidjson::Value& object, const char* key) {
    if (!object.IsObject() || !object.HasMember(key))
        throw Error(ErrorKind::input, fmt::format("cache record: missing \"{}\"", key));
    return object[key];
}

std::string string_field(const rapidjson::Value& object, const char* key) {
    const rapidjson::Value& v = field(object, key);
    if (!v.IsString()) throw Error(ErrorKind::input, fmt::format("cache record: \"{}\" is not a string", key));
    return std::string(v.GetString(), v.GetStringLength());
}

int64_t int_field(const rapidjson::Value& object, const char* key) {
    const rapidjson::Value& v = field(object, key);
    if (!v.IsInt64()) throw Error(ErrorKind::input, fmt::format("cache record: \"{}\" is not an integer", key));
    return v.GetInt64();
}

} // namespace

std::string record_to_json(const CacheRecord& record) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("created");
    w.Int64(record.created);
    member(w, "description", record.description);
    member(w, "key", record.key.str());
    w.Key("layers");
    w.StartArray();
    for (const CachedLayer& l : record.layers) {
        w.StartObject();
        member(w, "blob", l.layer.blob.digest.str());
        member(w, "description", l.description);
        member(w, "diff_id", l.layer.diff_id.str());
        member(w, "media_type", l.layer.blob.media_type);
        w.Key("size");
        w.Int64(l.layer.blob.size);
        w.Key("uncompressed_size");
        w.Uint64(l.layer.uncompressed_size);
        member(w, "vertex", l.vertex.str());
        w.EndObject();
    }
    w.EndArray();
    w.Key("version");
    w.Int(k_format_version);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

CacheRecord record_from_json(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) throw Error(ErrorKind::input, "cache record: not a JSON object");
    if (int_field(doc, "version") != k_format_version)
        throw Error(ErrorKind::input, "cache record: unknown format version");
    CacheRecord record;
    record.key = oci::Digest::parse(string_field(doc, "key"));
    record.description = string_field(doc, "description");
    record.created = int_field(doc, "created");
    const rapidjson::Value& layers = field(doc, "layers");
    if (!layers.IsArray()) throw Error(ErrorKind::input, "cache record: \"layers\" is not an array");
    for (const rapidjson::Value& l : layers.GetArray()) {
        CachedLayer layer;
        layer.layer.blob.digest = oci::Digest::parse(string_field(l, "blob"));
        layer.layer.blob.media_type = string_field(l, "media_type");
        layer.layer.blob.size = int_field(l, "size");
        layer.layer.diff_id = oci::Digest::parse(string_field(l, "diff_id"));
        layer.layer.uncompressed_size = static_cast<uint64_t>(int_field(l, "uncompressed_size"));
        layer.vertex = oci::Digest::parse(string_field(l, "vertex"));
        layer.description = string_field(l, "description");
        record.layers.push_back(std::move(layer));
    }
    return record;
}

RecordStore::RecordStore(fs::path dir, const oci::ContentStore& content)
    : m_dir(std::move(dir)), m_content(content) {
    fs::create_directories(m_dir);
}

fs::path RecordStore::path_of(const oci::Digest& key) const { return m_dir / (std::string(key.hex()) + ".json"); }

std::optional<CacheRecord> RecordStore::find(const oci::Digest& key) const {
    const fs::path path = path_of(key);
    std::string text;
    try {
        text = read_file(path);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    CacheRecord record;
    try {
        record = record_from_json(text);
    } catch (const std::exception&) {
        return std::nullopt;  // a damaged record is a miss; prune removes it
    }
    if (record.key != key) return std::nullopt;
    for (const CachedLayer& layer : record.layers)
        if (!m_content.has(layer.layer.blob.digest)) return std::nullopt;
    // Used now: the mtime is what GC keeps recent records by. A failure only ages it.
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
    record.last_used = static_cast<int64_t>(std::time(nullptr));
    return record;
}

void RecordStore::put(const CacheRecord& record) const {
    write_file_atomically(path_of(record.key), record_to_json(record), 0600);
}

std::vector<CacheRecord> RecordStore::list() const {
    std::vector<CacheRecord> out;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(m_dir, ec)) {
        if (entry.path().extension() != ".json") continue;
        try {
            CacheRecord record = record_from_json(read_file(entry.path()));
            struct stat st {};
            if (::stat(entry.path().c_str(), &st) == 0) record.last_used = st.st_mtim.tv_sec;
            out.push_back(std::move(record));
        } catch (const std::exception&) {
        }
    }
    return out;
}

void RecordStore::remove(const oci::Digest& key) const {
    std::error_code ignored;
    fs::remove(path_of(key), ignored);
}

} // namespace mab::engine::cache
