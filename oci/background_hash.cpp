#include "oci/background_hash.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.hpp"

namespace mab::oci {

namespace {

constexpr size_t k_batch = 1 << 20;
constexpr size_t k_max_queued = 2;  // bounded memory: 2 MiB waiting at most

} // namespace

struct BackgroundSha256::Impl {
    Sha256 hash;
    std::vector<unsigned char> current;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::vector<unsigned char>> queue;  // full batches, in stream order
    std::vector<std::vector<unsigned char>> spare;  // hashed batches, for reuse
    bool closing = false;
    std::thread worker;
    bool finished = false;

    void run() {
        for (;;) {
            std::vector<unsigned char> batch;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return closing || !queue.empty(); });
                if (queue.empty()) return;
                batch = std::move(queue.front());
                queue.pop_front();
            }
            hash.update(batch.data(), batch.size());
            {
                std::lock_guard lock(mutex);
                batch.clear();
                spare.push_back(std::move(batch));
            }
            changed.notify_all();
        }
    }

    void submit() {
        if (!worker.joinable()) worker = std::thread([this] { run(); });
        std::vector<unsigned char> next;
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return queue.size() < k_max_queued; });
            queue.push_back(std::move(current));
            if (!spare.empty()) {
                next = std::move(spare.back());
                spare.pop_back();
            }
        }
        changed.notify_all();
        current = std::move(next);
        current.reserve(k_batch);
    }

    void stop() {
        {
            std::lock_guard lock(mutex);
            closing = true;
        }
        changed.notify_all();
        if (worker.joinable()) worker.join();
    }
};

BackgroundSha256::BackgroundSha256() : m_impl(std::make_unique<Impl>()) { m_impl->current.reserve(k_batch); }

BackgroundSha256::~BackgroundSha256() { m_impl->stop(); }

void BackgroundSha256::update(const void* data, size_t size) {
    if (m_impl->finished) throw Error(ErrorKind::internal, "BackgroundSha256: update after finish");
    const unsigned char* in = static_cast<const unsigned char*>(data);
    m_bytes += size;
    while (size > 0) {
        const size_t n = std::min(size, k_batch - m_impl->current.size());
        m_impl->current.insert(m_impl->current.end(), in, in + n);
        in += n;
        size -= n;
        if (m_impl->current.size() == k_batch) m_impl->submit();
    }
}

Digest BackgroundSha256::finish() {
    if (m_impl->finished) throw Error(ErrorKind::internal, "BackgroundSha256: finish called twice");
    m_impl->finished = true;
    m_impl->stop();  // the thread hashes every queued batch before it returns
    m_impl->hash.update(m_impl->current.data(), m_impl->current.size());
    return m_impl->hash.finish();
}

} // namespace mab::oci
