#include <catch2/catch.hpp>

#include "registry/http_transport.hpp"

using namespace mab::registry;

TEST_CASE("url_for_message drops the query and any user:password") {
    CHECK(url_for_message("https://r.example/v2/x/blobs/uploads/abc?_state=secret") ==
          "https://r.example/v2/x/blobs/uploads/abc");
    CHECK(url_for_message("https://user:pw@files.example/a.tar.gz") == "https://files.example/a.tar.gz");
    CHECK(url_for_message("http://token@files.example") == "http://files.example");
    // An @ in the path is not a credential.
    CHECK(url_for_message("https://files.example/@scope/pkg") == "https://files.example/@scope/pkg");
}

TEST_CASE("parse_http_date reads IMF-fixdate and nothing else") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    CHECK(parse_http_date("Thu, 04 Mar 2021 05:06:07 GMT") == 1614834367);
    CHECK_FALSE(parse_http_date("yesterday"));
    CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
}
