#include "engine/cache/record_store.hpp"

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
