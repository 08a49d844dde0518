#include "frontend-dockerfile/dockerignore.hpp"

#include <string_view>

#include "frontend-dockerfile/image_paths.hpp"

namespace mab::dockerfile {

namespace {

// Go's strings.TrimSpace for the ASCII spaces a text file holds.
std::string_view trim_space(std::string_view s) {
    const std::string_view space = " \t\n\r\v\f";
    const size_t first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

} // namespace

std::vector<std::string> parse_dockerignore(const std::string& text) {
    std::vector<std::string> patterns;
    std::string_view rest = text;
    const std::string_view bom = "\xEF\xBB\xBF";
    if (rest.substr(0, bom.size()) == bom) rest.remove_prefix(bom.size());
    while (!rest.empty()) {
        // Lines as Go's bufio.ScanLines cuts them: at "\n", without a final "\r".
        const size_t end = rest.find('\n');
        std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty() && line[0] == '#') continue;
        line = trim_space(line);
        if (line.empty()) continue;
        const bool exception = line[0] == '!';
        if (exception) line = trim_space(line.substr(1));
        std::string pattern;
        if (!line.empty()) {
            pattern = clean_path(line);
            if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);
        }
        patterns.push_back(exception ? "!" + pattern : pattern);
    }
    return patterns;
}

} // namespace mab::dockerfile
