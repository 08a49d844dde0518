// Go's time.ParseDuration and Duration.String, checked against values worked out from
// Go's documentation and its time package tests.
#include <catch2/catch.hpp>

#include <string>

#include "base/error.hpp"
#include "frontend-dockerfile/go_duration.hpp"

using namespace mab;
using namespace mab::dockerfile;

namespace {

std::string parse_error(const std::string& text) {
    try {
        parse_go_duration(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("parse_go_duration reads Go's duration syntax", "[duration]") {
    CHECK(parse_go_duration("0") == 0);
    CHECK(parse_go_duration("-0") == 0);
    CHECK(parse_go_duration("0s") == 0);
    CHECK(parse_go_duration("5s") == 5000000000);
    CHECK(parse_go_duration("+5s") == 5000000000);
    CHECK(parse_go_duration("-5s") == -5000000000);
    CHECK(parse_go_duration("30s") == 30000000000);
    CHECK(parse_go_duration("1478s") == 1478000000000);
    CHECK(parse_go_duration("5m") == 300000000000);
    CHECK(parse_go_duration("1h") == 3600000000000);
    CHECK(parse_go_duration("1h30m") == 5400000000000);
    CHECK(parse_go_duration("1.5s") == 1500000000);
    CHECK(parse_go_duration(".5s") == 500000000);
    CHECK(parse_go_duration("1.s") == 1000000000);
    CHECK(parse_go_duration("1.004s") == 1004000000);
    CHECK(parse_go_duration("100ms") == 100000000);
    CHECK(parse_go_duration("10us") == 10000);
    CHECK(parse_go_duration("10\xC2\xB5s") == 10000);
    CHECK(parse_go_duration("10\xCE\xBCs") == 10000);
    CHECK(parse_go_duration("11ns") == 11);
    CHECK(parse_go_duration("3h2m1.5s") == 10921500000000);
    CHECK(parse_go_duration("2562047h47m16.854775807s") == INT64_MAX);
    CHECK(parse_go_duration("-2562047h47m16.854775808s") == INT64_MIN);
}

TEST_CASE("parse_go_duration refuses what Go refuses, with Go's message", "[duration]") {
    CHECK(parse_error("") == "time: invalid duration \"\"");
    CHECK(parse_error("3") == "time: missing unit in duration \"3\"");
    CHECK(parse_error("-") == "time: invalid duration \"-\"");
    CHECK(parse_error("s") == "time: invalid duration \"s\"");
    CHECK(parse_error(".") == "time: invalid duration \".\"");
    CHECK(parse_error(".s") == "time: invalid duration \".s\"");
    CHECK(parse_error("+.s") == "time: invalid duration \"+.s\"");
    CHECK(parse_error("1d") == "time: unknown unit \"d\" in duration \"1d\"");
    CHECK(parse_error("5 s") == "time: unknown unit \" s\" in duration \"5 s\"");
    CHECK(parse_error("1s1") == "time: missing unit in duration \"1s1\"");
    CHECK(parse_error("9223372036854775808ns") == "time: invalid duration \"9223372036854775808ns\"");
    CHECK(parse_error("2562047h47m16.854775808s") == "time: invalid duration \"2562047h47m16.854775808s\"");
    CHECK(parse_error("3000000h") == "time: invalid duration \"3000000h\"");
}

TEST_CASE("format_go_duration prints Duration.String", "[duration]") {
    CHECK(format_go_duration(0) == "0s");
    CHECK(format_go_duration(1) == "1ns");
    CHECK(format_go_duration(1100) == "1.1\xC2\xB5s");
    CHECK(format_go_duration(2200000) == "2.2ms");
    CHECK(format_go_duration(1000000) == "1ms");
    CHECK(format_go_duration(3300000000) == "3.3s");
    CHECK(format_go_duration(3000000000) == "3s");
    CHECK(format_go_duration(300000000000) == "5m0s");
    CHECK(format_go_duration(-300000000000) == "-5m0s");
    CHECK(format_go_duration(4000000000000) == "1h6m40s");
    CHECK(format_go_duration(5400000000000) == "1h30m0s");
    CHECK(format_go_duration(10921500000000) == "3h2m1.5s");
    CHECK(format_go_duration(INT64_MAX) == "2562047h47m16.854775807s");
    CHECK(format_go_duration(INT64_MIN) == "-2562047h47m16.854775808s");
}
