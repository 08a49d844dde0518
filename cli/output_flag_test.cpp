#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "cli/build_request.hpp"
#include "cli/output_flag.hpp"

using namespace mab;
using namespace mab::cli;
using exporter::OutputType;

TEST_CASE("buildx output specs parse into types") {
    exporter::OutputSpec s = parse_output_flag("type=oci,dest=out.tar,compression=zstd,compression-level=9");
    CHECK(s.type == OutputType::oci);
    CHECK(s.dest == "out.tar");
    CHECK(s.compression == oci::Compression::zstd);
    CHECK(s.compression_level == 9);
    CHECK(s.uses_oci_mediatypes());

    s = parse_output_flag("type=docker,dest=-");
    CHECK(s.type == OutputType::docker);
    CHECK_FALSE(s.uses_oci_mediatypes());
    CHECK(parse_output_flag("type=docker,dest=x,oci-mediatypes=true").uses_oci_mediatypes());

    s = parse_output_flag("type=oci,dest=dir,tar=false,\"name=a:1,b:2\"");
    CHECK_FALSE(s.tar);
    CHECK(s.names == std::vector<std::string>{"a:1", "b:2"});
}

TEST_CASE("shorthands: a bare path is local, - is a tar on stdout") {
    CHECK(parse_output_flag("outdir").type == OutputType::local);
    CHECK(parse_output_flag("outdir").dest == "outdir");
    CHECK(parse_output_flag("-").type == OutputType::tar);
}

TEST_CASE("bad output specs name the problem") {
    CHECK_THROWS_WITH(parse_output_flag("type=ocii,dest=x"), Catch::Contains("unknown type \"ocii\" (did you mean oci?)"));
    CHECK_THROWS_WITH(parse_output_flag("type=oci,dset=x"), Catch::Contains("unknown key \"dset\" (did you mean dest?)"));
    CHECK_THROWS_WITH(parse_output_flag("type=oci,compression=lz4"), Catch::Contains("lz4"));
    CHECK_THROWS_WITH(parse_output_flag("type=oci,compression=gzip,compression-level=12"),
                      Catch::Contains("out of range"));
    CHECK_THROWS_WITH(parse_output_flag("dest=x"), Catch::Contains("missing type="));
    CHECK_THROWS_WITH(parse_output_flag("type=oci,dest=x,push=true"), Catch::Contains("type=image and type=registry only"));
    CHECK_THROWS_WITH(parse_output_flag("type=local,dest=x,tar=false"), Catch::Contains("type=oci only"));
}

TEST_CASE("image outputs: type=registry is type=image with push=true") {
    exporter::OutputSpec s = parse_output_flag("type=registry,name=reg:5000/app:1");
    CHECK(s.type == OutputType::image);
    CHECK(s.push);
    CHECK(s.names == std::vector<std::string>{"reg:5000/app:1"});
    CHECK_NOTHROW(exporter::check_output(s));

    s = parse_output_flag("type=image,name=reg/app,push=true,push-by-digest=true,name-canonical=true");
    CHECK(s.push_by_digest);
    CHECK(s.name_canonical);
    CHECK_NOTHROW(exporter::check_output(s));
}

TEST_CASE("image outputs that cannot work fail before the build") {
    // No local image store: an image that is not pushed would go nowhere.
    CHECK_THROWS_WITH(exporter::check_output(parse_output_flag("type=image,name=reg/app:1")),
                      Catch::Contains("without push=true"));
    CHECK_THROWS_WITH(exporter::check_output(parse_output_flag("type=registry")),
                      Catch::Contains("tag is needed when pushing to registry"));
    CHECK_THROWS_WITH(exporter::check_output(parse_output_flag("type=registry,name=reg/app:1,push-by-digest=true")),
                      Catch::Contains("can't push tagged ref reg/app:1 by digest"));
    // A port is not a tag.
    CHECK_NOTHROW(exporter::check_output(parse_output_flag("type=registry,name=reg:5000/app,push-by-digest=true")));
    CHECK_THROWS_WITH(exporter::check_output(parse_output_flag(
                          "type=registry,name=reg/app@sha256:" + std::string(64, 'a'))),
                      Catch::Contains("a digest names content"));
    CHECK_THROWS_WITH(exporter::check_output(parse_output_flag("type=registry,name=reg/app:1,dest=x")),
                      Catch::Contains("dest= does not apply"));
}

TEST_CASE("--push as buildx reads it") {
    std::optional<BuildRequest> r = parse_build_request({"--push", "-t", "reg/app:1", "-t", "reg/app:2", "."});
    REQUIRE(r->output);
    CHECK(r->output->type == OutputType::image);
    CHECK(r->output->push);
    CHECK(r->output->names == std::vector<std::string>{"reg/app:1", "reg/app:2"});

    r = parse_build_request({"--push", "-o", "type=image,name=reg/app,push-by-digest=true", "."});
    CHECK(r->output->push);
    CHECK(r->output->push_by_digest);

    CHECK_THROWS_WITH(parse_build_request({"--push", "-o", "type=oci,dest=x.tar", "-t", "reg/app", "."}),
                      Catch::Contains("push and \"oci\" output can't be used together"));
    CHECK_THROWS_WITH(parse_build_request({"--push", "."}), Catch::Contains("tag is needed"));
    CHECK_THROWS_WITH(parse_build_request({"-o", "type=image", "-t", "reg/app", "."}),
                      Catch::Contains("mab keeps no local image store"));
}
