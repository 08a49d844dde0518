#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "cli/bake_file.hpp"
#include "cli/bake_request.hpp"
#include "cli/bake_resolve.hpp"

using namespace mab;
using namespace mab::cli;
using Catch::Matchers::Contains;

namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

const char* k_bake_json = R"({
  "variable": {"TAG": {"default": "latest"}, "REPO": {"default": "example/app"}},
  "group": {"default": {"targets": ["app", "tools"]}, "all": {"targets": ["default", "extra"]}},
  "target": {
    "common": {"args": {"BASE": "busybox", "MODE": "base"}, "platforms": ["linux/amd64"], "labels": {"team": "x"}},
    "app": {"inherits": ["common"], "dockerfile": "app.Dockerfile", "args": {"MODE": "app"},
            "tags": ["${REPO}:${TAG}"], "output": ["type=oci,dest=app.tar"]},
    "tools": {"inherits": ["common"], "context": "tools", "target": "tools", "no-cache": true},
    "extra": {"tags": ["literal-$${TAG}"]}
  }
})";

} // namespace

TEST_CASE("bake JSON: variables from defaults, the environment overriding them") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    CHECK(d.targets.at("app").tags == std::vector<std::string>{"example/app:latest"});
    CHECK(d.targets.at("extra").tags == std::vector<std::string>{"literal-${TAG}"});
    d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({{"TAG", "1.2"}}));
    CHECK(d.targets.at("app").tags == std::vector<std::string>{"example/app:1.2"});
}

TEST_CASE("bake JSON: errors name the file and the key path") {
    CHECK_THROWS_WITH(parse_bake_json(R"({"target": {"a": {"tags": "x"}}})", "b.json", env_of({})),
                      Contains("b.json: target.a.tags: expected a list of strings"));
    CHECK_THROWS_WITH(parse_bake_json(R"({"target": {"a": {"tgas": ["x"]}}})", "b.json", env_of({})),
                      Contains("target.a.tgas: unknown target attribute (did you mean tags?)"));
    CHECK_THROWS_WITH(parse_bake_json(R"({"variable": {"TAG": {}}, "target": {"a": {"target": "${TGA}"}}})",
                                      "b.json", env_of({})),
                      Contains("target.a.target: undefined variable \"TGA\" (did you mean TAG?)"));
    CHECK_THROWS_WITH(parse_bake_json("{", "b.json", env_of({})), Contains("b.json: invalid JSON"));
    CHECK(parse_bake_json(R"({"target": {"a": {"args": {"V": 2, "F": false}}}})", "b.json", env_of({}))
              .targets.at("a")
              .args == std::map<std::string, std::string>{{"F", "false"}, {"V", "2"}});
}

TEST_CASE("bake: default group, inheritance and defaults") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    ResolvedBake b = resolve_bake(d, {}, {});
    REQUIRE(b.targets.size() == 2);
    const BakeTarget& app = b.targets.at("app");
    CHECK(app.args == std::map<std::string, std::string>{{"BASE", "busybox"}, {"MODE", "app"}});
    CHECK(app.labels.at("team") == "x");
    CHECK(app.platforms == std::vector<std::string>{"linux/amd64"});
    CHECK(app.context == ".");
    CHECK(app.dockerfile == "app.Dockerfile");
    CHECK(b.targets.at("tools").dockerfile == "Dockerfile");
    CHECK(b.targets.at("tools").args.at("MODE") == "base");

    // Groups nest: "all" reaches default's targets and extra.
    b = resolve_bake(d, {"all"}, {});
    CHECK(b.targets.size() == 3);
    CHECK(b.groups.count("default") == 1);
}

TEST_CASE("bake: without a default group every target is built") {
    BakeDefinition d = parse_bake_json(R"({"target": {"a": {}, "b": {}}})", "x.json", env_of({}));
    CHECK(resolve_bake(d, {}, {}).targets.size() == 2);
}

TEST_CASE("bake: unknown targets and inheritance cycles") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    CHECK_THROWS_WITH(resolve_bake(d, {"ap"}, {}), Contains("failed to find target \"ap\" (did you mean app?)"));
    BakeDefinition cyclic =
        parse_bake_json(R"({"target": {"a": {"inherits": ["b"]}, "b": {"inherits": ["a"]}}})", "c.json", env_of({}));
    CHECK_THROWS_WITH(resolve_bake(cyclic, {"a"}, {}), Contains("inherits from itself (a -> b -> a)"));
    BakeDefinition unknown = parse_bake_json(R"({"target": {"a": {"inherits": ["commn"]}, "common": {}}})",
                                             "c.json", env_of({}));
    CHECK_THROWS_WITH(resolve_bake(unknown, {"a"}, {}), Contains("unknown target \"commn\" (did you mean common?)"));
}

TEST_CASE("bake: --set overrides by pattern; lists are replaced, then added to") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    ResolvedBake b = resolve_bake(d, {}, {"*.platform=linux/arm64,linux/riscv64", "app.args.MODE=set",
                                          "tools.tags=t:1", "tools.tags=t:2", "app.tags+=more", "t*.no-cache=false",
                                          "app.output=type=docker,dest=x.tar"});
    CHECK(b.targets.at("app").platforms == std::vector<std::string>{"linux/arm64", "linux/riscv64"});
    CHECK(b.targets.at("tools").platforms == b.targets.at("app").platforms);
    CHECK(b.targets.at("app").args.at("MODE") == "set");
    CHECK(b.targets.at("tools").tags == std::vector<std::string>{"t:1", "t:2"});
    CHECK(b.targets.at("app").tags == std::vector<std::string>{"example/app:latest", "more"});
    CHECK(b.targets.at("tools").no_cache == false);
    CHECK(b.targets.at("app").output == std::vector<std::string>{"type=docker,dest=x.tar"});

    CHECK_FALSE(resolve_bake(d, {}, {"app.output="}).targets.at("app").output.value().size());
    CHECK_THROWS_WITH(resolve_bake(d, {}, {"app.tgas=x"}), Contains("unknown key \"tgas\" (did you mean tags?)"));
    CHECK_THROWS_WITH(resolve_bake(d, {}, {"aap.tags=x"}), Contains("no target to build matches \"aap\""));
    CHECK_THROWS_WITH(resolve_bake(d, {}, {"app"}), Contains("expected TARGET.KEY=VALUE"));
}

TEST_CASE("compose: services with build become targets, image is a tag") {
    const char* compose = R"(
services:
  web:
    image: example/web:${TAG:-dev}
    build:
      context: web
      dockerfile: Web.Dockerfile
      args: [A=1, FROM_ENV, UNSET]
      target: final
      platforms: [linux/amd64, linux/arm64]
      cache_from: [type=local,src=cache]
      labels: {x: y}
  api:
    build: api
  db:
    image: postgres
)";
    BakeDefinition d = parse_compose(compose, "compose.yaml", env_of({{"FROM_ENV", "e"}}));
    REQUIRE(d.targets.size() == 2);
    const BakeTarget& web = d.targets.at("web");
    CHECK(web.tags == std::vector<std::string>{"example/web:dev"});
    CHECK(web.context == "web");
    CHECK(web.args == std::map<std::string, std::string>{{"A", "1"}, {"FROM_ENV", "e"}});
    CHECK(web.platforms->size() == 2);
    CHECK(web.labels.at("x") == "y");
    CHECK(d.targets.at("api").context == "api");
    CHECK_THROWS_WITH(parse_compose("services:\n  a:\n    build: [1]\n", "c.yaml", env_of({})),
                      Contains("service \"a\" build: expected a context path or a map"));
}

TEST_CASE("bake: files merge in order") {
    BakeDefinition d = parse_compose("services:\n  web:\n    image: a\n    build:\n      args: {A: '1', B: '2'}\n",
                                     "compose.yaml", env_of({}));
    merge_definition(d, parse_bake_json(R"({"target": {"web": {"args": {"B": "3"}, "tags": ["b"]}}})",
                                        "docker-bake.json", env_of({})));
    const BakeTarget& web = d.targets.at("web");
    CHECK(web.args == std::map<std::string, std::string>{{"A", "1"}, {"B", "3"}});
    CHECK(web.tags == std::vector<std::string>{"b"});
    CHECK(web.context == ".");
}

TEST_CASE("bake: HCL files are refused with the formats that are read") {
    CHECK_THROWS_WITH(load_bake_files({"docker-bake.hcl"}, env_of({})),
                      Contains("docker-bake.hcl: HCL bake files are not supported"));
}

TEST_CASE("bake --print: buildx's shape") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    const std::string printed = bake_print_json(resolve_bake(d, {"tools"}, {}));
    CHECK(printed == R"({
  "group": {
    "default": {
      "targets": [
        "tools"
      ]
    }
  },
  "target": {
    "tools": {
      "context": "tools",
      "dockerfile": "Dockerfile",
      "args": {
        "BASE": "busybox",
        "MODE": "base"
      },
      "labels": {
        "team": "x"
      },
      "target": "tools",
      "platforms": [
        "linux/amd64"
      ],
      "no-cache": true
    }
  }
}
)");
}

TEST_CASE("bake --print: outputs and caches as objects") {
    BakeDefinition d = parse_bake_json(
        R"({"target": {"a": {"output": ["type=oci,dest=a.tar"], "cache-from": ["user/app:cache"],
                             "cache-to": ["type=local,dest=c,mode=max"]}, "b": {"output": ["out"]}}})",
        "x.json", env_of({}));
    const std::string printed = bake_print_json(resolve_bake(d, {}, {}));
    CHECK_THAT(printed, Contains(R"("output": [
        {
          "type": "oci",
          "dest": "a.tar"
        }
      ])"));
    CHECK_THAT(printed, Contains(R"("cache-from": [
        {
          "type": "registry",
          "ref": "user/app:cache"
        }
      ])"));
    CHECK_THAT(printed, Contains(R"("mode": "max")"));
    CHECK_THAT(printed, Contains(R"("type": "local",
          "dest": "out")"));
}

TEST_CASE("bake targets become mab build requests") {
    BakeDefinition d = parse_bake_json(k_bake_json, "docker-bake.json", env_of({}));
    ResolvedBake b = resolve_bake(d, {}, {});
    BuildRequest app = bake_build_request("app", b.targets.at("app"), {"--progress", "plain"});
    CHECK(app.name == "app");
    CHECK(app.dockerfile == "./app.Dockerfile");
    CHECK(app.build_args.at("MODE") == "app");
    CHECK(app.tags == std::vector<std::string>{"example/app:latest"});
    REQUIRE(app.output);
    CHECK(app.output->dest == "app.tar");
    CHECK(app.output->names == app.tags);
    CHECK(app.progress == ProgressMode::plain);
    BuildRequest tools = bake_build_request("tools", b.targets.at("tools"), {});
    CHECK(tools.context == "tools");
    CHECK(tools.dockerfile == "tools/Dockerfile");
    CHECK(tools.no_cache);
    CHECK(tools.target == "tools");

    BakeTarget two_outputs = b.targets.at("app");
    two_outputs.output = {"type=oci,dest=a.tar", "type=oci,dest=b.tar"};
    CHECK_THROWS_WITH(bake_build_request("app", two_outputs, {}),
                      Contains("target \"app\" (docker-bake.json): only one --output"));
}
