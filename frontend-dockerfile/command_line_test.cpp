#include "frontend-dockerfile/command_line.hpp"

#include <catch2/catch.hpp>

#include "frontend-dockerfile/image_paths.hpp"
#include "frontend-dockerfile/ports.hpp"

using namespace mab::dockerfile;

TEST_CASE("split_command separates keyword, leading flags and arguments") {
    CommandLine c = split_command("  COPY --from=build --chown=\"a b\" src dst  ");
    CHECK(c.keyword == "COPY");
    CHECK(c.flags == std::vector<std::string>{"--from=build", "--chown=a b"});
    CHECK(c.args == "src dst");

    c = split_command("CMD -- --help");  // "--" ends the flags
    CHECK(c.flags.empty());
    CHECK(c.args == "--help");

    c = split_command("ADD a --not-a-flag");
    CHECK(c.flags.empty());
    CHECK(c.args == "a --not-a-flag");
}

TEST_CASE("parse_json_array accepts an array of strings and ignores what follows it, as Go's decoder does") {
    std::vector<std::string> out;
    CHECK(parse_json_array(R"(["a", "b\u0041"])", out) == JsonForm::strings);
    CHECK(out == std::vector<std::string>{"a", "bA"});
    CHECK(parse_json_array("[]", out) == JsonForm::strings);
    CHECK(out.empty());
    CHECK(parse_json_array(R"(["a", 1])", out) == JsonForm::not_strings);
    CHECK(parse_json_array(R"(['a'])", out) == JsonForm::not_json);
    CHECK(parse_json_array(R"(["a"] b)", out) == JsonForm::strings);
    CHECK(out == std::vector<std::string>{"a"});
    CHECK(parse_json_array(R"(["a"] [1])", out) == JsonForm::strings);
    CHECK(parse_json_array(R"(["a", )", out) == JsonForm::not_json);
    CHECK(parse_json_array(R"(["a",])", out) == JsonForm::not_json);
    CHECK(parse_json_array("echo [x]", out) == JsonForm::not_json);
}

TEST_CASE("split_quoted_words keeps quotes and escapes inside words") {
    CHECK(split_quoted_words(R"(a="x y" b=c\ d 'e f')", '\\') ==
          std::vector<std::string>{R"(a="x y")", R"(b=c\ d)", "'e f'"});
    CHECK(split_quoted_words("a=`\" b", '`') == std::vector<std::string>{"a=`\"", "b"});
}

TEST_CASE("clean_path and resolve_in_workdir follow Go's path.Clean") {
    CHECK(clean_path("/a//b/./c/..") == "/a/b");
    CHECK(clean_path("/../x") == "/x");
    CHECK(clean_path("../x") == "../x");
    CHECK(clean_path("") == ".");
    CHECK(resolve_in_workdir("/app", "sub/../lib") == "/app/lib");
    CHECK(resolve_in_workdir("/app", "/abs/") == "/abs");
    CHECK(resolve_in_workdir("", ".") == "/");
}

TEST_CASE("expand_port_spec expands ranges and defaults to tcp") {
    CHECK(expand_port_spec("80") == std::vector<std::string>{"80/tcp"});
    CHECK(expand_port_spec("53/UDP") == std::vector<std::string>{"53/udp"});
    CHECK(expand_port_spec("8000-8002/sctp") ==
          std::vector<std::string>{"8000/sctp", "8001/sctp", "8002/sctp"});
    // BuildKit's wording first, so searches for it find mab's message too.
    CHECK_THROWS_WITH(expand_port_spec("70000"),
                      "invalid containerPort: 70000 (expected a port number from 0 to 65535 or a range of them)");
    CHECK_THROWS_WITH(expand_port_spec("80/icmp"), "invalid proto: icmp (expected tcp, udp or sctp)");
    CHECK_THROWS_WITH(expand_port_spec("9-8"), "invalid containerPort: 9-8 (the range ends at 8, below its start)");
}
