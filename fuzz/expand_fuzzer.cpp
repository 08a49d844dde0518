// libFuzzer target for the word expander. The first byte chooses what is exercised:
//   bit 0  escape character ` instead of \        bits 1-4  LexOptions switches
//   bits 5-6  0: expand_word, 1: expand_words, 2: expand_heredoc_body (3: all three)
// the rest is the word. Variables are a fixed set with empty, spaced and $-laden values.
// A mab::Error is the expected way to refuse a word; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "frontend-dockerfile/heredoc.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace {

const mab::dockerfile::VariableLookup k_lookup = mab::dockerfile::lookup_in({
    "PET=cat", "EMPTY=", "SPACED=a b  c", "HOME=/root", "DOLLAR=$PET", "QUOTES='\"`\\", "GLOB=*.txt?[ab]",
});

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    const std::string_view word(reinterpret_cast<const char*>(data) + 1, size - 1);
    const char escape = (mode & 1) ? '`' : '\\';
    mab::dockerfile::LexOptions options;
    options.keep_quotes = (mode & 2) != 0;
    options.keep_escapes = (mode & 4) != 0;
    options.keep_unset = (mode & 8) != 0;
    options.quotes_are_text = (mode & 16) != 0;
    const unsigned which = (mode >> 5) & 3;
    auto guarded = [](auto&& call) {
        try {
            call();
        } catch (const mab::Error&) {
            // A refused word: fine.
        }
    };
    if (which == 0 || which == 3)
        guarded([&] { (void)mab::dockerfile::expand_word(word, k_lookup, escape, options); });
    if (which == 1 || which == 3)
        guarded([&] { (void)mab::dockerfile::expand_words(word, k_lookup, escape, options); });
    if (which == 2 || which == 3)
        guarded([&] { (void)mab::dockerfile::expand_heredoc_body(word, k_lookup); });
    return 0;
}
