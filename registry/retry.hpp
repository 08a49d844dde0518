// When and how long to wait before trying a registry request again: 429 and 5xx
// answers and broken connections are retried with exponential backoff; a Retry-After
// header (seconds or an HTTP date) is honoured up to a limit.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

#include "registry/http_transport.hpp"
#include "registry/settings.hpp"

namespace mab::registry {

// 408, 429, 500, 502, 503, 504.
bool is_retryable_status(long status);

// The wait before try number `attempt` + 1 (attempt counts from 1): initial_delay *
// 2^(attempt-1), capped at max_delay, with up to 25 % random jitter taken off so
// parallel transfers do not retry in lockstep.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt);

// Retry-After: delta-seconds or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"),
// relative to `now`. nullopt if absent or unparseable; never negative.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now);

// The wait after a retryable answer: Retry-After if given (capped at
// policy.max_retry_after), else backoff_delay.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::seconds> retry_after);

// Performs `request`, again after retryable statuses and transport failures, until
// it succeeds, fails otherwise, or policy.max_attempts are used (then the last answer
// is returned, or the last TransportError thrown). For requests whose bodies can be
// sent again and whose answers are kept in memory.
HttpResponse perform_with_retries(const HttpTransport& transport, const HttpRequest& request,
                                  const RetryPolicy& policy);

// The Retry-After of a response, if any.
std::optional<std::chrono::seconds> retry_after_of(const HttpResponse& response);

// Sleeps, waking early to throw Error(cancelled) if termination was requested.
void sleep_for_retry(std::chrono::milliseconds delay);

} // namespace mab::registry
