// libFuzzer target for the Dockerfile parser and lowering: any byte string is parsed,
// dumped, and (if it parses) lowered for linux/arm64 on a linux/amd64 build platform,
// with every FROM image resolved to tests/synthetic_image.hpp's stand-in. A mab::Error is the
// expected way to refuse an input; anything else (another exception, a sanitizer
// report, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.hpp"
#include "frontend-dockerfile/dockerfile.hpp"
#include "frontend-dockerfile/parser.hpp"
#include "tests/synthetic_image.hpp"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        std::shared_ptr<const mab::dockerfile::ParsedDockerfile> parsed = mab::dockerfile::parse(text, "Dockerfile");
        (void)mab::dockerfile::dump_syntax(*parsed);
        mab::dockerfile::LowerRequest request;
        request.target_platform = mab::oci::Platform::parse("linux/arm64");
        request.build_platform = mab::oci::Platform::parse("linux/amd64");
        request.build_args = {{"VERSION", "1.2.3"}, {"HTTP_PROXY", "http://proxy:3128"}};
        request.resolve_image = mab::testing::synthetic_image;
        (void)mab::dockerfile::lower(*parsed, request);
    } catch (const mab::Error&) {
        // A refused Dockerfile: fine.
    }
    return 0;
}
