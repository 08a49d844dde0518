// --filter parsing of `mab du` and `mab prune` (buildx's until= and type= forms).
#include "cli/cache_table.hpp"

#include <catch2/catch.hpp>

#include "base/error.hpp"

using mab::cli::CacheFilters;
using mab::cli::parse_cache_filters;

namespace {

std::string usage_error(const std::vector<std::string>& filters) {
    try {
        parse_cache_filters(filters, "prune");
    } catch (const mab::Error& e) {
        CHECK(e.kind() == mab::ErrorKind::usage);
        return e.what();
    }
    FAIL("no error for the filters");
    return {};
}

} // namespace

TEST_CASE("no filter: every type, no age") {
    const CacheFilters f = parse_cache_filters({}, "du");
    CHECK_FALSE(f.until);
    CHECK(f.types.matches("regular"));
    CHECK(f.types.matches("exec.cachemount"));
}

TEST_CASE("until= and unused-for= give seconds") {
    CHECK(parse_cache_filters({"until=24h"}, "du").until == 24 * 3600);
    CHECK(parse_cache_filters({"unused-for=90m"}, "du").until == 90 * 60);
}

TEST_CASE("type=, type== and type!= select BuildKit's types") {
    const CacheFilters only = parse_cache_filters({"type=exec.cachemount"}, "prune");
    CHECK(only.types.matches("exec.cachemount"));
    CHECK_FALSE(only.types.matches("regular"));
    CHECK(parse_cache_filters({"type==regular"}, "prune").types.only == std::set<std::string>{"regular"});
    const CacheFilters not_mounts = parse_cache_filters({"type!=exec.cachemount"}, "prune");
    CHECK(not_mounts.types.matches("regular"));
    CHECK_FALSE(not_mounts.types.matches("exec.cachemount"));
    // Several type= are alternatives, as in BuildKit's default GC rule.
    const CacheFilters either = parse_cache_filters({"type=source.local", "type=exec.cachemount", "until=1h"}, "prune");
    CHECK(either.types.matches("source.local"));
    CHECK(either.types.matches("exec.cachemount"));
    CHECK_FALSE(either.types.matches("regular"));
    CHECK(either.until == 3600);
}

TEST_CASE("unknown filters and types are usage errors that say what is known") {
    CHECK_THAT(usage_error({"type=exec.cachemounts"}),
               Catch::Contains("unknown type \"exec.cachemounts\"") && Catch::Contains("exec.cachemount"));
    CHECK_THAT(usage_error({"id=abc"}), Catch::Contains("unsupported filter \"id=abc\""));
    CHECK_THAT(usage_error({"until!=1h"}), Catch::Contains("unsupported filter"));
    CHECK_THAT(usage_error({"until=soon"}), Catch::Contains("\"soon\" is not a duration"));
}
