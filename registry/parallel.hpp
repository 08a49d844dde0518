// Bounded parallelism for blob transfers: each item on one of at most `limit` threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mab::registry {

// Calls f(item) for every item, at most `limit` at a time. After a failure no new item
// starts; the first exception is rethrown once every running call has returned.
template <typename T, typename F>
void for_each_parallel(const std::vector<T>& items, int limit, F f) {
    std::atomic<size_t> next{0};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    std::atomic<bool> failed{false};
    auto work = [&] {
        for (;;) {
            size_t i = next.fetch_add(1);
            if (i >= items.size() || failed) return;
            try {
                f(items[i]);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                failed = true;
            }
        }
    };
    size_t threads = std::min<size_t>(items.size(), static_cast<size_t>(std::max(1, limit)));
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
        for (std::thread& t : pool) t.join();
    }
    if (first_error) std::rethrow_exception(first_error);
}

} // namespace mab::registry
