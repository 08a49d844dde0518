#include <catch2/catch.hpp>

#include "cli/progress_summary.hpp"
#include "oci/digest.hpp"

using namespace mab::cli;

namespace {

Step& add(ProgressTrace& trace, const std::string& name, StepState state, double seconds,
          const std::string& platform = "", bool emulated = false) {
    bool created = false;
    Step& step = trace.step_for(mab::oci::sha256_of(name), name, created);
    step.state = state;
    step.seconds = seconds;
    step.platform = platform;
    step.emulated = emulated;
    return step;
}

} // namespace

TEST_CASE("summary: the five slowest steps, then the qemu time per platform", "[progress]") {
    ProgressTrace trace;
    add(trace, "[internal] load build definition from Dockerfile", StepState::done, 0.01);
    add(trace, "[linux/amd64 build 2/3] RUN make", StepState::done, 3.0, "linux/amd64", false);
    add(trace, "[linux/arm64 build 2/3] RUN make", StepState::done, 30.0, "linux/arm64", true);
    add(trace, "[linux/arm64 build 3/3] RUN make test", StepState::failed, 12.5, "linux/arm64", true);
    add(trace, "[linux/s390x build 2/3] RUN make", StepState::done, 41.0, "linux/s390x", true);
    add(trace, "[linux/amd64 build 1/3] COPY . .", StepState::cached, 0);
    add(trace, "exporting to oci image format", StepState::done, 0.5);
    add(trace, "[linux/amd64 build 3/3] RUN make test", StepState::done, 0.2, "linux/amd64", false);
    CHECK(format_summary(trace) ==
          "Slowest steps:\n"
          "     41.0s  #5 [linux/s390x build 2/3] RUN make\n"
          "     30.0s  #3 [linux/arm64 build 2/3] RUN make\n"
          "     12.5s  #4 [linux/arm64 build 3/3] RUN make test (failed)\n"
          "      3.0s  #2 [linux/amd64 build 2/3] RUN make\n"
          "      0.5s  #7 exporting to oci image format\n"
          "Emulated with qemu (a stage FROM --platform=$BUILDPLATFORM that cross-compiles avoids this):\n"
          "  linux/arm64: 2 steps, 42.5s (#3, #4)\n"
          "  linux/s390x: 1 step, 41.0s (#5)\n");
}

TEST_CASE("summary: nothing when no step ran, no qemu section when nothing was emulated", "[progress]") {
    ProgressTrace trace;
    CHECK(format_summary(trace).empty());
    add(trace, "[1/2] COPY a /a", StepState::cached, 0);
    CHECK(format_summary(trace).empty());
    add(trace, "[2/2] RUN true", StepState::done, 0.3, "linux/amd64", false);
    CHECK(format_summary(trace) == "Slowest steps:\n      0.3s  #2 [2/2] RUN true\n");
}
