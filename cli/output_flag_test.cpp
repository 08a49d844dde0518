#include <catch2/catch.hpp>

#include "base/error.hpp"
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
    CHECK_THROWS_WITH(parse_output_flag("type=registry,name=x"), Catch::Contains("not supported yet"));
    CHECK_THROWS_WITH(parse_output_flag("type=local,dest=x,tar=false"), Catch::Contains("type=oci only"));
}
