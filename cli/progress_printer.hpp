// Renders engine progress the way `buildx --progress=plain` does: numbered steps,
// "#3 [stage-0 2/2] COPY a /a", "#3 DONE 0.1s", "#3 CACHED", "#3 ERROR: …".
// The tty mode renders the same lines for now.
#pragma once

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "engine/solve/progress.hpp"

namespace mab::cli {

enum class ProgressMode { plain, quiet };

class ProgressPrinter : public engine::ProgressSink {
public:
    ProgressPrinter(std::FILE* out, ProgressMode mode);

    void started(const engine::VertexInfo& vertex) override;
    void cached(const engine::VertexInfo& vertex) override;
    void finished(const engine::VertexInfo& vertex, double seconds) override;
    void failed(const engine::VertexInfo& vertex, double seconds, std::string_view message) override;
    void log(const engine::VertexInfo& vertex, std::string_view text) override;
    void note(std::string_view text) override;

    // A step the CLI itself performs ("exporting to oci image format").
    int begin_step(const std::string& description);
    void step_line(int step, const std::string& text);
    void end_step(int step, double seconds);

private:
    int number_for(const oci::Digest& digest);
    void print(const std::string& line);

    std::FILE* m_out;
    ProgressMode m_mode;
    std::mutex m_mutex;
    std::map<oci::Digest, int> m_numbers;
    int m_next = 1;
};

} // namespace mab::cli
