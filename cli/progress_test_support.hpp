// Helpers for the progress renderers' tests: a FILE* whose contents can be read back,
// synthetic vertices, and threads that send events at the same time.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engine/solve/progress.hpp"

namespace mab::cli::test {

class CapturedFile {
public:
    CapturedFile() : m_file(std::tmpfile()) {}
    ~CapturedFile() { std::fclose(m_file); }
    CapturedFile(const CapturedFile&) = delete;
    CapturedFile& operator=(const CapturedFile&) = delete;
    std::FILE* get() const { return m_file; }
    std::string text() const {
        std::fflush(m_file);
        std::string out;
        std::rewind(m_file);
        char buffer[4096];
        size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, m_file)) > 0) out.append(buffer, n);
        return out;
    }

private:
    std::FILE* m_file;
};

inline engine::VertexInfo vertex(const std::string& name) {
    return {oci::sha256_of(name), name};
}

// Runs `body(i)` for i in [0, count) on `count` threads at once.
inline void on_threads(int count, const std::function<void(int)>& body) {
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) threads.emplace_back(body, i);
    for (std::thread& t : threads) t.join();
}

inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

} // namespace mab::cli::test
