#include <catch2/catch.hpp>

#include "registry/endpoint.hpp"

using namespace mab::registry;

TEST_CASE("loopback hosts are localhost, 127.0.0.0/8 and ::1") {
    CHECK(is_loopback_host("localhost"));
    CHECK(is_loopback_host("localhost:5000"));
    CHECK(is_loopback_host("127.0.0.1:5000"));
    CHECK(is_loopback_host("127.1.2.3"));
    CHECK(is_loopback_host("[::1]:5000"));
    CHECK_FALSE(is_loopback_host("127.example.com:5000"));
    CHECK_FALSE(is_loopback_host("127.0.0:5000"));
    CHECK_FALSE(is_loopback_host("registry.example.com"));
    CHECK_FALSE(is_loopback_host("10.0.0.1:5000"));
    CHECK_FALSE(is_loopback_host("localhost.example.com"));
}

TEST_CASE("registry error bodies are summarised with their codes") {
    HttpResponse r;
    r.status = 404;
    r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]})";
    CHECK(describe_status(r) == "404 Not Found (MANIFEST_UNKNOWN: manifest unknown)");
    r.status = 503;
    r.body = "<html>busy</html>";
    CHECK(describe_status(r) == "503 Service Unavailable");
    r.status = 418;
    r.body = "";
    CHECK(describe_status(r) == "418");
}
