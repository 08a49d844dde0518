#include <catch2/catch.hpp>

#include "registry/challenge.hpp"

using namespace mab::registry;

TEST_CASE("Bearer challenges give realm, service and scope") {
    auto c = parse_challenges(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "bearer");
    CHECK(c[0].param("realm") == "https://auth.docker.io/token");
    CHECK(c[0].param("service") == "registry.docker.io");
    CHECK(c[0].param("scope") == "repository:library/busybox:pull");
}

TEST_CASE("several challenges, odd spacing, escapes and unquoted values") {
    auto c = parse_challenges(R"(Basic realm="a \"quoted\" realm" ,  BEARER Realm=http://x/t, service = svc)");
    REQUIRE(c.size() == 2);
    CHECK(c[0].scheme == "basic");
    CHECK(c[0].param("realm") == "a \"quoted\" realm");
    CHECK(c[1].scheme == "bearer");
    CHECK(c[1].param("realm") == "http://x/t");
    CHECK(c[1].param("service") == "svc");
}

TEST_CASE("garbage does not throw or loop") {
    for (const char* text : {"", ",,,", "=", "Bearer", "Bearer realm=", "Bearer \"x\"", "\"", "Basic realm=\"open"}) {
        INFO(text);
        std::vector<Challenge> c = parse_challenges(text);
        CHECK(c.size() <= 2);
    }
}
