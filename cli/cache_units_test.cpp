#include "cli/cache_units.hpp"

#include <catch2/catch.hpp>

using namespace mab::cli;

TEST_CASE("sizes print like docker's HumanSize") {
    CHECK(human_size(0) == "0B");
    CHECK(human_size(512) == "512B");
    CHECK(human_size(8224) == "8.224kB");
    CHECK(human_size(115'500'000) == "115.5MB");
    CHECK(human_size(1'704'000'000) == "1.704GB");
    CHECK(human_size(10'250'000'000) == "10.25GB");
    CHECK(human_size(999'999) == "1000kB");
}

TEST_CASE("durations print like docker's HumanDuration") {
    CHECK(human_duration(0) == "Less than a second");
    CHECK(human_duration(1) == "1 second");
    CHECK(human_duration(59) == "59 seconds");
    CHECK(human_duration(60) == "About a minute");
    CHECK(human_duration(36 * 60) == "36 minutes");
    CHECK(human_duration(3600) == "About an hour");
    CHECK(human_duration(43 * 3600) == "43 hours");
    CHECK(human_duration(13 * 86400) == "13 days");
    CHECK(human_duration(15 * 86400) == "2 weeks");
    CHECK(human_duration(90 * 86400) == "3 months");
    CHECK(human_duration(800 * 86400) == "2 years");
    CHECK(go_duration(48 * 3600) == "48h0m0s");
    CHECK(go_duration(90) == "1m30s");
    CHECK(go_duration(0) == "0s");
}

TEST_CASE("durations and sizes are read like buildx's flags") {
    CHECK(parse_duration("24h") == 86400);
    CHECK(parse_duration("1h30m") == 5400);
    CHECK(parse_duration("1.5h") == 5400);
    CHECK(parse_duration("90s") == 90);
    CHECK(parse_duration("0") == 0);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("24"));
    CHECK_FALSE(parse_duration("1d"));
    CHECK_FALSE(parse_duration("-1h"));
    CHECK(parse_size("512") == 512);
    CHECK(parse_size("512k") == 512 * 1024);
    CHECK(parse_size("2GB") == int64_t{2} << 30);
    CHECK(parse_size("1.5GiB") == int64_t{3} << 29);
    CHECK(parse_size("10 mb") == 10 << 20);
    CHECK_FALSE(parse_size("ten"));
    CHECK_FALSE(parse_size("10GBs"));
    CHECK_FALSE(parse_size("10%"));
}
