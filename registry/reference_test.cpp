#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "registry/reference.hpp"

using mab::registry::Reference;
using mab::registry::RepositoryTags;
using mab::registry::group_by_repository;

TEST_CASE("references normalise like docker's") {
    struct Case {
        const char* input;
        const char* full;
        const char* familiar;
    };
    const Case cases[] = {
        {"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
        {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
        {"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
        {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
        {"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
        {"user/app:v1", "docker.io/user/app:v1", "user/app:v1"},
        {"localhost/app", "localhost/app:latest", "localhost/app:latest"},
        {"localhost:5000/app:1", "localhost:5000/app:1", "localhost:5000/app:1"},
        {"127.0.0.1:5000/a/b/c:tag-1.2_x", "127.0.0.1:5000/a/b/c:tag-1.2_x",
         "127.0.0.1:5000/a/b/c:tag-1.2_x"},
        {"reg.example.com/team/app", "reg.example.com/team/app:latest",
         "reg.example.com/team/app:latest"},
        {"my-app__x.y", "docker.io/library/my-app__x.y:latest", "my-app__x.y:latest"},
    };
    for (const Case& c : cases) {
        INFO(c.input);
        Reference ref = Reference::parse(c.input);
        CHECK(ref.str() == c.full);
        CHECK(ref.familiar() == c.familiar);
        CHECK(Reference::parse(ref.str()).str() == ref.str());
    }
}

TEST_CASE("digest references keep the digest and get no default tag") {
    std::string digest = "sha256:" + std::string(64, 'a');
    Reference ref = Reference::parse("busybox@" + digest);
    CHECK(ref.tag.empty());
    REQUIRE(ref.digest);
    CHECK(ref.str() == "docker.io/library/busybox@" + digest);
    Reference both = Reference::parse("localhost:5000/app:1@" + digest);
    CHECK(both.tag == "1");
    CHECK(both.domain == "localhost:5000");
}

TEST_CASE("bad references are rejected with the reason") {
    const char* bad[] = {"", "Busybox", "app:", ":tag", "app:-bad", "a//b", "-app", "app-",
                         "app@sha256:1234", "reg.io:port/app", "a/b:" /* empty tag */};
    for (const char* text : bad) {
        INFO(text);
        CHECK_THROWS_AS(Reference::parse(text), mab::Error);
    }
    CHECK_THROWS_WITH(Reference::parse("Busybox"), Catch::Contains("must be lowercase"));
}

TEST_CASE("references group by repository for pushing") {
    std::vector<RepositoryTags> groups = group_by_repository(
        {Reference::parse("reg:5000/app:1"), Reference::parse("reg:5000/other"), Reference::parse("reg:5000/app:2"),
         Reference::parse("reg:5000/app:1"), Reference::parse("reg:5000/app@sha256:" + std::string(64, 'a'))});
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].repository.repository() == "reg:5000/app");
    CHECK(groups[0].tags == std::vector<std::string>{"1", "2"});
    CHECK(groups[1].repository.repository() == "reg:5000/other");
    CHECK(groups[1].tags == std::vector<std::string>{"latest"});
}
