#include <catch2/catch.hpp>

#include <vector>

#include "registry/base64.hpp"
#include "registry/retry.hpp"

using namespace mab::registry;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("retryable statuses") {
    for (long s : {408, 429, 500, 502, 503, 504}) CHECK(is_retryable_status(s));
    for (long s : {200, 201, 400, 401, 403, 404, 416, 501}) CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("backoff doubles up to the limit, with at most 25 % jitter taken off") {
    RetryPolicy p;
    p.initial_delay = milliseconds(100);
    p.max_delay = milliseconds(1000);
    for (int attempt = 1; attempt <= 8; ++attempt) {
        int64_t full = std::min<int64_t>(100LL << (attempt - 1), 1000);
        milliseconds d = backoff_delay(p, attempt);
        INFO("attempt " << attempt);
        CHECK(d.count() <= full);
        CHECK(d.count() >= full * 3 / 4);
    }
}

TEST_CASE("Retry-After in seconds or as an HTTP date") {
    std::time_t now = 1445412480;   // Wed, 21 Oct 2015 07:28:00 GMT
    CHECK(parse_retry_after("7", now) == seconds(7));
    CHECK(parse_retry_after(" 0 ", now) == seconds(0));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == seconds(30));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == seconds(0));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("", now));
    RetryPolicy p;
    p.max_retry_after = seconds(10);
    CHECK(retry_delay(p, 1, seconds(100)) == seconds(10));
    CHECK(retry_delay(p, 1, seconds(2)) == seconds(2));
}

TEST_CASE("base64 round trips and rejects bad input") {
    for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff:x", 4)})
        CHECK(base64_decode(base64_encode(s)) == s);
    CHECK(base64_encode("user:pass") == "dXNlcjpwYXNz");
    CHECK_FALSE(base64_decode("abc"));
    CHECK_FALSE(base64_decode("ab!d"));
    CHECK_FALSE(base64_decode("a=bc"));
}
