// The build's progress sink: turns engine events and the CLI's own steps into one
// numbered trace and hands each change to the renderer the --progress mode chose
// (plain, tty, rawjson; quiet shows nothing). Thread-safe: one lock around the trace
// and the renderer, and, for the live tty view, a ticker thread that redraws it.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cli/progress_mode.hpp"
#include "cli/progress_renderer.hpp"
#include "cli/progress_trace.hpp"
#include "engine/solve/progress.hpp"

namespace mab::cli {

class ProgressPrinter : public engine::ProgressSink {
public:
    // `mode` must be resolved (not automatic).
    ProgressPrinter(std::FILE* out, ProgressMode mode);
    // For tests: any renderer (null: quiet).
    explicit ProgressPrinter(std::unique_ptr<ProgressRenderer> renderer);
    // Finishes if finish() was not called: as a failure while an exception unwinds.
    ~ProgressPrinter() override;
    ProgressPrinter(const ProgressPrinter&) = delete;
    ProgressPrinter& operator=(const ProgressPrinter&) = delete;

    void started(const engine::VertexInfo& vertex) override;
    void cached(const engine::VertexInfo& vertex) override;
    void finished(const engine::VertexInfo& vertex, double seconds) override;
    void failed(const engine::VertexInfo& vertex, double seconds, std::string_view message) override;
    void log(const engine::VertexInfo& vertex, std::string_view text) override;
    void note(std::string_view text) override;
    void placed(const engine::VertexInfo& vertex) override;
    void transfer(const engine::VertexInfo& vertex, const engine::TransferProgress& status) override;

    // A step the CLI itself performs ("exporting to oci image format").
    int begin_step(const std::string& description);
    void step_line(int step, const std::string& text);
    void end_step(int step, double seconds);
    void fail_step(int step, double seconds, std::string_view message);
    // Bytes moved for one part of a CLI step (a blob a push uploads); any thread.
    void step_transfer(int step, const engine::TransferProgress& status);

    // The build is over: stops the live view and prints the last words (the summary,
    // a failed step's log). Later events are ignored.
    void finish(bool failed);

private:
    Step& step_locked(const engine::VertexInfo& vertex);
    Step* cli_step(int number);
    void transfer_locked(Step& step, const engine::TransferProgress& status);
    void complete_locked(Step& step, StepState state, double seconds, std::string_view message);
    void run_ticker();

    std::unique_ptr<ProgressRenderer> m_renderer;
    std::mutex m_mutex;
    ProgressTrace m_trace;
    bool m_finished = false;
    std::condition_variable m_wake;
    std::thread m_ticker;
};

} // namespace mab::cli
