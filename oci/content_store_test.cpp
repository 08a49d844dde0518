#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "oci/content_store.hpp"
#include "oci/media_types.hpp"

using mab::Error;
using mab::ErrorKind;
using mab::TempDir;
using mab::oci::ContentStore;
using mab::oci::Descriptor;
using mab::oci::Digest;
using mab::oci::sha256_of;
namespace fs = std::filesystem;
namespace media_type = mab::oci::media_type;

namespace {

size_t count_entries(const fs::path& dir) {
    if (!fs::exists(dir)) return 0;
    size_t n = 0;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_directory()) ++n;
    }
    return n;
}

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("content store: put, get, has, size, path", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path() / "content");
    const std::string data = R"({"schemaVersion":2})";
    Digest digest = sha256_of(data);
    CHECK_FALSE(store.has(digest));
    CHECK_FALSE(store.size_of(digest));
    CHECK_FALSE(store.verify(digest));

    Descriptor desc = store.put(data, std::string(media_type::k_oci_manifest));
    CHECK(desc.digest == digest);
    CHECK(desc.size == static_cast<int64_t>(data.size()));
    CHECK(desc.media_type == media_type::k_oci_manifest);
    CHECK(store.has(digest));
    CHECK(store.size_of(digest) == static_cast<int64_t>(data.size()));
    CHECK(store.verify(digest));
    CHECK(store.get(digest) == data);
    CHECK(store.path_of(digest) ==
          tmp.path() / "content" / "blobs" / "sha256" / std::string(digest.hex()));
    CHECK(mab::read_file(store.path_of(digest)) == data);

    CHECK(mode_of(tmp.path() / "content") == 0700);
    CHECK(mode_of(tmp.path() / "content" / "blobs") == 0700);
    CHECK(mode_of(tmp.path() / "content" / "blobs" / "sha256") == 0700);
    CHECK(mode_of(tmp.path() / "content" / "ingest") == 0700);
    CHECK((mode_of(store.path_of(digest)) & 0222) == 0); // published blobs are read-only
    CHECK(count_entries(tmp.path() / "content" / "ingest") == 0);

    // Putting it again is harmless.
    CHECK(store.put(data, "x").digest == digest);
    CHECK(count_entries(tmp.path() / "content" / "blobs") == 1);
}

TEST_CASE("content store: streaming writer and expected digest", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path());
    std::string data;
    for (int i = 0; i < 300000; ++i) data += static_cast<char>(i % 253);

    ContentStore::Writer writer(store);
    for (size_t pos = 0; pos < data.size(); pos += 4099) writer.write(data.substr(pos, 4099));
    CHECK(writer.bytes() == data.size());
    Descriptor desc = writer.commit(std::string(media_type::k_oci_layer), sha256_of(data));
    CHECK(desc.digest == sha256_of(data));
    CHECK(store.get(desc.digest, 1 << 20) == data);
    CHECK_THROWS_AS(writer.write("more"), Error);

    // A wrong expected digest publishes nothing and leaves no temporary.
    ContentStore::Writer bad(store);
    bad.write("hello");
    try {
        bad.commit("x", sha256_of("world"));
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find(sha256_of("world").str()) != std::string::npos);
    }
    CHECK_FALSE(store.has(sha256_of("hello")));
    CHECK(count_entries(tmp.path() / "ingest") == 0);

    // get refuses blobs over its limit.
    CHECK_THROWS_AS(store.get(desc.digest, 1000), Error);
}

TEST_CASE("content store: an uncommitted writer leaves nothing", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path());
    {
        ContentStore::Writer writer(store);
        writer.write("partial data");
        CHECK(count_entries(tmp.path() / "ingest") == 1);
    }
    CHECK(count_entries(tmp.path() / "ingest") == 0);
    CHECK(count_entries(tmp.path() / "blobs") == 0);
    CHECK_FALSE(store.has(sha256_of("partial data")));
}

TEST_CASE("content store: concurrent writers of the same blob", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path());
    std::string data(1 << 20, 'x');
    for (size_t i = 0; i < data.size(); i += 97) data[i] = static_cast<char>(i % 251);

    // Two writers interleave, then both commit: the second finds the blob already there.
    ContentStore::Writer a(store);
    ContentStore::Writer b(store);
    a.write(data.substr(0, 1000));
    b.write(data.substr(0, 5000));
    a.write(data.substr(1000));
    b.write(data.substr(5000));
    CHECK(count_entries(tmp.path() / "ingest") == 2);
    Descriptor da = a.commit("x");
    Descriptor db = b.commit("x");
    CHECK(da == db);
    CHECK(store.get(da.digest, 2 << 20) == data);

    // And with real threads.
    std::vector<std::thread> threads;
    std::vector<Digest> results(8);
    for (size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            ContentStore::Writer w(store);
            for (size_t pos = 0; pos < data.size(); pos += 65536 + t)
                w.write(data.substr(pos, 65536 + t));
            results[t] = w.commit("x").digest;
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const Digest& d : results) CHECK(d == da.digest);
    CHECK(count_entries(tmp.path() / "blobs") == 1);
    CHECK(count_entries(tmp.path() / "ingest") == 0);
    CHECK(store.verify(da.digest));
}

TEST_CASE("content store: missing and corrupt blobs", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path());
    Digest absent = sha256_of("absent");
    try {
        store.get(absent);
        FAIL("found");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::not_found);
        CHECK(std::string(e.what()).find(absent.str()) != std::string::npos);
    }

    Descriptor desc = store.put("original", "x");
    fs::path path = store.path_of(desc.digest);
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(path, std::ios::trunc) << "tampered";
    CHECK(store.has(desc.digest));
    CHECK_FALSE(store.verify(desc.digest));
    try {
        store.get(desc.digest);
        FAIL("accepted a corrupt blob");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::io);
        CHECK(std::string(e.what()).find("blob " + desc.digest.str() + " is corrupt") !=
              std::string::npos);
    }
}

TEST_CASE("content store: list and remove published blobs", "[content_store]") {
    TempDir tmp(fs::temp_directory_path(), "mab-cs-");
    ContentStore store(tmp.path() / "content");
    CHECK(store.list().empty());  // no blobs/ yet: nothing, not an error
    const Descriptor a = store.put("alpha", "text/plain");
    const Descriptor b = store.put("bravo!", "text/plain");
    // A stray file beside the blobs is neither listed nor removable through the store.
    std::ofstream(store.path_of(a.digest).parent_path() / "not-a-digest") << "x";

    std::vector<ContentStore::BlobInfo> blobs = store.list();
    REQUIRE(blobs.size() == 2);
    std::sort(blobs.begin(), blobs.end(), [](const auto& x, const auto& y) { return x.size < y.size; });
    CHECK(blobs[0].digest == a.digest);
    CHECK(blobs[0].size == 5);
    CHECK(blobs[1].digest == b.digest);
    CHECK(blobs[1].size == 6);
    CHECK(blobs[0].mtime > 0);

    CHECK(store.remove(a.digest));
    CHECK_FALSE(store.has(a.digest));
    CHECK_FALSE(store.remove(a.digest));  // already gone
    REQUIRE(store.list().size() == 1);
    CHECK(store.list()[0].digest == b.digest);
}
