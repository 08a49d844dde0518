#include "frontend-dockerfile/image_paths.hpp"

#include <vector>

namespace mab::dockerfile {

std::string clean_path(std::string_view path) {
    if (path.empty()) return ".";
    bool rooted = path[0] == '/';
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view part = path.substr(i, j - i);
        i = j + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..")
                parts.pop_back();
            else if (!rooted)
                parts.push_back(part);
            continue;
        }
        parts.push_back(part);
    }
    std::string out = rooted ? "/" : "";
    for (size_t k = 0; k < parts.size(); ++k) {
        if (k) out += '/';
        out += parts[k];
    }
    return out.empty() ? "." : out;
}

std::string resolve_in_workdir(std::string_view workdir, std::string_view path) {
    if (!path.empty() && path[0] == '/') return clean_path(path);
    std::string joined = "/";
    joined += workdir;
    joined += "/";
    joined += path;
    return clean_path(joined);
}

} // namespace mab::dockerfile
