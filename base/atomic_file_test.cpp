#include <catch2/catch.hpp>

#include <filesystem>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/temp_dir.hpp"

using namespace mab;
namespace fs = std::filesystem;

TEST_CASE("an uncommitted atomic file leaves nothing behind") {
    TempDir dir(fs::temp_directory_path(), "mab-test-");
    {
        AtomicFile f(dir.path() / "out");
        f.write("partial");
    }
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("a committed atomic file replaces the target whole") {
    TempDir dir(fs::temp_directory_path(), "mab-test-");
    write_file_atomically(dir.path() / "out", "old");
    AtomicFile f(dir.path() / "out", 0600);
    f.write("new contents");
    CHECK(read_file(dir.path() / "out") == "old");
    f.commit();
    CHECK(read_file(dir.path() / "out") == "new contents");
    CHECK((fs::status(dir.path() / "out").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("read_file names the missing path") {
    CHECK_THROWS_WITH(read_file("/nonexistent/mab/file"),
                      Catch::Contains("/nonexistent/mab/file") && Catch::Contains("No such file"));
}

TEST_CASE("temp dirs are removed even when read-only inside") {
    fs::path kept;
    {
        TempDir dir(fs::temp_directory_path(), "mab-test-");
        kept = dir.path();
        fs::create_directories(dir.path() / "a" / "b");
        write_file_atomically(dir.path() / "a" / "b" / "f", "x");
        fs::permissions(dir.path() / "a", fs::perms::owner_read | fs::perms::owner_exec);
    }
    CHECK_FALSE(fs::exists(kept));
}
