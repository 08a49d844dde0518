#include "oci/parallel_gzip.hpp"

#include <zlib.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "base/error.hpp"
#include "oci/parallel_gzip_block.hpp"

namespace mab::oci {

namespace {

constexpr size_t k_block = 256 * 1024;
constexpr size_t k_dictionary = 32 * 1024;

struct Block {
    std::vector<unsigned char> input;
    std::vector<unsigned char> dictionary;  // the previous block's last 32 KiB
    bool last = false;
    // Results.
    std::vector<unsigned char> output;
    uLong crc = 0;
    bool done = false;
    std::string error;
};

// Uniform blocks (runs of one byte value: sparse files, zeroed images) are compressed
// without a dictionary, so their deflate bytes depend only on (value, size, last) and are
// made once per stream. Two workers may make the same entry at once; both get the same
// bytes, so which one is kept does not matter.
class UniformBlocks {
public:
    struct Compressed {
        std::vector<unsigned char> output;
        uLong crc = 0;
    };

    std::shared_ptr<const Compressed> get(unsigned char value, size_t size, bool last, int level) {
        const Key key{value, size, last};
        {
            std::lock_guard lock(m_mutex);
            auto it = m_made.find(key);
            if (it != m_made.end()) return it->second;
        }
        auto made = std::make_shared<Compressed>();
        const std::vector<unsigned char> input(size, value);
        made->crc = crc32(crc32(0L, Z_NULL, 0), input.data(), static_cast<uInt>(size));
        append_deflated(made->output, level, {}, input.data(), size, last);
        std::lock_guard lock(m_mutex);
        return m_made.emplace(key, std::move(made)).first->second;
    }

private:
    using Key = std::tuple<unsigned char, size_t, bool>;
    std::mutex m_mutex;
    std::map<Key, std::shared_ptr<const Compressed>> m_made;
};

void compress_block(Block& b, int level, UniformBlocks& uniform) {
    const unsigned char* data = b.input.data();
    const size_t size = b.input.size();
    try {
        switch (classify_block(data, size)) {
        case BlockKind::uniform: {
            std::shared_ptr<const UniformBlocks::Compressed> made = uniform.get(data[0], size, b.last, level);
            b.output = made->output;
            b.crc = made->crc;
            return;
        }
        case BlockKind::incompressible:
            b.crc = crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size));
            append_stored(b.output, data, size, b.last);
            return;
        case BlockKind::ordinary:
            b.crc = crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size));
            append_deflated(b.output, level, b.dictionary, data, size, b.last);
            return;
        }
    } catch (const std::exception& e) {
        // Workers cannot throw: the error travels with the block to the writing thread.
        b.error = e.what();
    }
}

class ParallelGzip final : public Sink {
public:
    ParallelGzip(int level, Sink& out, unsigned threads)
        : m_level(level), m_out(out),
          m_threads(threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency())) {
        // The gzip header, as zlib writes it with no name and mtime 0, OS 255.
        const unsigned char xfl = level == 9 ? 2 : (level < 2 ? 4 : 0);
        const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255};
        m_out.write(header, sizeof header);
        m_current.reserve(k_block);
    }
    ParallelGzip(const ParallelGzip&) = delete;
    ParallelGzip& operator=(const ParallelGzip&) = delete;
    ~ParallelGzip() override { stop_workers(); }

    void write(const void* data, size_t size) override {
        if (m_finished) throw Error(ErrorKind::internal, "gzip: write after finish");
        const unsigned char* in = static_cast<const unsigned char*>(data);
        while (size > 0) {
            // A full block is sent only once more input exists: the last block must be
            // known as last when it is compressed.
            if (m_current.size() == k_block) submit(false);
            size_t n = std::min(size, k_block - m_current.size());
            m_current.insert(m_current.end(), in, in + n);
            in += n;
            size -= n;
        }
    }

    void finish() override {
        if (m_finished) return;
        submit(true);
        while (!m_pending.empty()) write_front();
        stop_workers();
        const unsigned char trailer[8] = {
            static_cast<unsigned char>(m_crc), static_cast<unsigned char>(m_crc >> 8),
            static_cast<unsigned char>(m_crc >> 16), static_cast<unsigned char>(m_crc >> 24),
            static_cast<unsigned char>(m_size), static_cast<unsigned char>(m_size >> 8),
            static_cast<unsigned char>(m_size >> 16), static_cast<unsigned char>(m_size >> 24)};
        m_out.write(trailer, sizeof trailer);
        m_finished = true;
    }

private:
    void submit(bool last) {
        // A block that is not the last means the input is not small: use the workers.
        if (!last && m_workers.empty() && m_threads > 1) start_workers();
        auto block = std::make_shared<Block>();
        block->input.swap(m_current);
        block->dictionary = m_dictionary;
        block->last = last;
        const size_t keep = std::min(k_dictionary, block->input.size());
        // The next block's dictionary: the last 32 KiB of all input so far.
        if (keep == k_dictionary) {
            m_dictionary.assign(block->input.end() - static_cast<std::ptrdiff_t>(keep), block->input.end());
        } else {
            m_dictionary.insert(m_dictionary.end(), block->input.begin(), block->input.end());
            if (m_dictionary.size() > k_dictionary)
                m_dictionary.erase(m_dictionary.begin(),
                                   m_dictionary.end() - static_cast<std::ptrdiff_t>(k_dictionary));
        }
        m_current.clear();
        m_current.reserve(k_block);
        m_size += block->input.size();
        if (m_workers.empty()) {
            compress_block(*block, m_level, m_uniform);
            block->done = true;
            m_pending.push_back(block);
            write_front();
            return;
        }
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(block);
        }
        m_work.notify_one();
        m_pending.push_back(block);
        // Bounded memory: at most two blocks per worker in flight.
        while (m_pending.size() > 2 * m_threads) write_front();
    }

    // Waits for the oldest block and writes its output.
    void write_front() {
        std::shared_ptr<Block> block = m_pending.front();
        {
            std::unique_lock lock(m_mutex);
            m_done.wait(lock, [&] { return block->done; });
        }
        m_pending.pop_front();
        if (!block->error.empty()) throw Error(ErrorKind::internal, block->error);
        m_out.write(block->output.data(), block->output.size());
        m_crc = crc32_combine(m_crc, block->crc, static_cast<z_off_t>(block->input.size()));
    }

    void start_workers() {
        for (unsigned i = 0; i < m_threads; ++i) m_workers.emplace_back([this] { work(); });
    }

    void work() {
        for (;;) {
            std::shared_ptr<Block> block;
            {
                std::unique_lock lock(m_mutex);
                m_work.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
                if (m_queue.empty()) return;
                block = m_queue.front();
                m_queue.pop_front();
            }
            compress_block(*block, m_level, m_uniform);
            {
                std::lock_guard lock(m_mutex);
                block->done = true;
            }
            m_done.notify_all();
        }
    }

    void stop_workers() {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_work.notify_all();
        for (std::thread& t : m_workers) t.join();
        m_workers.clear();
    }

    const int m_level;
    Sink& m_out;
    UniformBlocks m_uniform;
    const unsigned m_threads;
    std::vector<unsigned char> m_current;
    std::vector<unsigned char> m_dictionary;
    std::deque<std::shared_ptr<Block>> m_pending;  // in input order, written from the front
    uLong m_crc = crc32(0L, Z_NULL, 0);
    uint64_t m_size = 0;
    bool m_finished = false;

    std::mutex m_mutex;
    std::condition_variable m_work, m_done;
    std::deque<std::shared_ptr<Block>> m_queue;
    std::vector<std::thread> m_workers;
    bool m_stopping = false;
};

} // namespace

std::unique_ptr<Sink> make_parallel_gzip(int level, Sink& out, unsigned threads) {
    return std::make_unique<ParallelGzip>(level, out, threads);
}

} // namespace mab::oci
