#include "registry/retry.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <time.h>

#include "base/error.hpp"
#include "base/termination.hpp"

namespace mab::registry {

bool is_retryable_status(long status) {
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt) {
    int64_t delay = policy.initial_delay.count();
    for (int i = 1; i < attempt && delay < policy.max_delay.count(); ++i) delay *= 2;
    delay = std::min<int64_t>(delay, policy.max_delay.count());
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> jitter(0, delay / 4);
    return std::chrono::milliseconds(delay - jitter(rng));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        if (value.size() > 9) return std::chrono::seconds(999'999'999);
        return std::chrono::seconds(std::stoll(std::string(value)));
    }
    std::optional<int64_t> date = parse_http_date(std::string(value));
    if (!date) return std::nullopt;
    std::time_t when = static_cast<std::time_t>(*date);
    return std::chrono::seconds(when > now ? when - now : 0);
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt,
                                      std::optional<std::chrono::seconds> retry_after) {
    if (retry_after) return std::min<std::chrono::milliseconds>(*retry_after, policy.max_retry_after);
    return backoff_delay(policy, attempt);
}

std::optional<std::chrono::seconds> retry_after_of(const HttpResponse& response) {
    std::optional<std::string> value = response.header("retry-after");
    return value ? parse_retry_after(*value, std::time(nullptr)) : std::nullopt;
}

HttpResponse perform_with_retries(const HttpTransport& transport, const HttpRequest& request,
                                  const RetryPolicy& policy) {
    for (int attempt = 1;; ++attempt) {
        try {
            HttpResponse response = transport.perform(request);
            if (!is_retryable_status(response.status) || attempt >= policy.max_attempts) return response;
            sleep_for_retry(retry_delay(policy, attempt, retry_after_of(response)));
        } catch (const TransportError& e) {
            if (!e.retryable() || attempt >= policy.max_attempts) throw;
            sleep_for_retry(backoff_delay(policy, attempt));
        }
    }
}

void sleep_for_retry(std::chrono::milliseconds delay) {
    auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (termination_requested()) throw Error(ErrorKind::cancelled, "stopped while waiting to retry");
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            until - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
    }
}

} // namespace mab::registry
