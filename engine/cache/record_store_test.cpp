#include "engine/cache/record_store.hpp"
#include "engine/cache/cache_transfer.hpp"
#include "oci/image_layout.hpp"

#include <catch2/catch.hpp>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"

using namespace mab;
using namespace mab::engine::cache;
namespace fs = std::filesystem;

namespace {

CacheRecord record_with(const oci::Descriptor& blob) {
    CacheRecord r;
    r.key = oci::Digest::parse("sha256:" + std::string(64, 'a'));
    r.description = "[2/3] RUN make";
    r.created = 1700000000;
    CachedLayer layer;
    layer.layer.blob = blob;
    layer.layer.diff_id = oci::Digest::parse("sha256:" + std::string(64, 'b'));
    layer.layer.uncompressed_size = 12345;
    layer.vertex = oci::Digest::parse("sha256:" + std::string(64, 'c'));
    layer.description = "[2/3] RUN make";
    r.layers.push_back(layer);
    return r;
}

} // namespace

TEST_CASE("a cache record survives its JSON round trip") {
    CacheRecord r = record_with({"application/vnd.oci.image.layer.v1.tar+gzip",
                                 oci::Digest::parse("sha256:" + std::string(64, 'd')), 99, {}, {}});
    CHECK(record_from_json(record_to_json(r)) == r);
    CHECK_THROWS_AS(record_from_json("{\"version\":2}"), Error);
    CHECK_THROWS_AS(record_from_json("not json"), Error);
}

TEST_CASE("records are found only while their blobs exist, and damaged ones are misses") {
    TempDir dir(fs::temp_directory_path(), "mab-records");
    oci::ContentStore content(dir.path() / "content");
    oci::Descriptor blob = content.put("layer bytes", "application/vnd.oci.image.layer.v1.tar+gzip");
    RecordStore store(dir.path() / "records", content);
    CacheRecord r = record_with(blob);
    CHECK_FALSE(store.find(r.key));
    store.put(r);
    auto found = store.find(r.key);
    REQUIRE(found);
    CHECK(found->layers == r.layers);
    CHECK(store.list().size() == 1);

    fs::remove(content.path_of(blob.digest));
    CHECK_FALSE(store.find(r.key));

    write_file_atomically(dir.path() / "records" / (std::string(r.key.hex()) + ".json"), "{\"trunc");
    CHECK_FALSE(store.find(r.key));
    store.remove(r.key);
    CHECK(store.list().empty());
}

TEST_CASE("cache records travel through an OCI layout and come back with their blobs") {
    TempDir dir(fs::temp_directory_path(), "mab-cache-transfer");
    oci::ContentStore from(dir.path() / "from");
    oci::Descriptor blob = from.put("layer bytes", "application/vnd.oci.image.layer.v1.tar+gzip");
    CacheRecord r = record_with(blob);
    oci::Descriptor manifest = stage_cache_manifest({r}, from);
    CHECK(read_cache_manifest(manifest, from) == std::vector<CacheRecord>{r});
    write_cache_layout(dir.path() / "layout", manifest, from);

    oci::ContentStore to(dir.path() / "to");
    RecordStore records(dir.path() / "records", to);
    oci::Descriptor imported = import_cache_layout_manifest(dir.path() / "layout", to);
    CHECK(imported.digest == manifest.digest);
    std::vector<CacheRecord> carried = read_cache_manifest(imported, to);
    oci::ImageLayout layout(dir.path() / "layout");
    int fetched = 0;
    auto fetch = [&](const std::vector<oci::Descriptor>& blobs) {
        for (const oci::Descriptor& b : blobs) layout.import_blob(b, to), ++fetched;
    };
    // Not wanted: nothing imported, nothing fetched.
    CHECK(import_records(carried, [](const oci::Digest&) { return false; }, fetch, records, to) == 0);
    CHECK(fetched == 0);
    CHECK(import_records(carried, [](const oci::Digest&) { return true; }, fetch, records, to) == 1);
    CHECK(fetched == 1);
    REQUIRE(records.find(r.key));
    CHECK(to.has(blob.digest));
    CHECK_THROWS_AS(parse_cache_config("{\"records\":[],\"version\":9}"), Error);
}
