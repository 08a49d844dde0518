#include "cli/cache_flags.hpp"

#include <catch2/catch.hpp>

#include "base/error.hpp"

using namespace mab::cli;
using Catch::Matchers::Contains;

TEST_CASE("--cache-to and --cache-from values in buildx's syntax") {
    CacheSpec local = parse_cache_spec("type=local,dest=/tmp/c,mode=max", true);
    CHECK(local.type == CacheSpec::Type::local);
    CHECK(local.dir == "/tmp/c");
    CHECK(local.max);
    CHECK_FALSE(parse_cache_spec("type=local,dest=d", true).max);

    CacheSpec reg = parse_cache_spec("type=registry,ref=reg:5000/app:cache,ignore-error=true", true);
    CHECK(reg.type == CacheSpec::Type::registry);
    CHECK(reg.ref == "reg:5000/app:cache");
    CHECK(reg.ignore_error);

    CacheSpec bare = parse_cache_spec("reg:5000/app:cache", false);
    CHECK(bare.type == CacheSpec::Type::registry);
    CHECK(bare.ref == "reg:5000/app:cache");
    CHECK(parse_cache_spec("type=local,src=dir", false).dir == "dir");
}

TEST_CASE("bad cache flags name the flag and what is wrong") {
    CHECK_THROWS_WITH(parse_cache_spec("type=gha", true), Contains("--cache-to type=gha") && Contains("not supported"));
    CHECK_THROWS_WITH(parse_cache_spec("type=local", true), Contains("type=local needs dest=DIR"));
    CHECK_THROWS_WITH(parse_cache_spec("type=local", false), Contains("type=local needs src=DIR"));
    CHECK_THROWS_WITH(parse_cache_spec("type=registry", false), Contains("needs ref="));
    CHECK_THROWS_WITH(parse_cache_spec("type=local,dest=d,mode=all", true), Contains("mode=all"));
    CHECK_THROWS_WITH(parse_cache_spec("type=local,src=d", true), Contains("unknown key \"src\""));
    CHECK_THROWS_WITH(parse_cache_spec("type=regsitry,ref=x", true), Contains("did you mean registry"));
    CHECK(parse_cache_spec("type=inline", true).type == CacheSpec::Type::inline_cache);
    CHECK_THROWS_WITH(parse_cache_spec("type=inline", false), Contains("use type=registry,ref=IMAGE"));
}
