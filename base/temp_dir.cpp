#include "base/temp_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include "base/error.hpp"

namespace mab {

TempDir::TempDir(const std::filesystem::path& parent, const std::string& prefix) {
    std::string templ = (parent / (prefix + "XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr) throw_errno("mkdtemp", templ);
    m_path = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)) {
    other.m_path.clear();
}

TempDir::~TempDir() {
    if (!m_path.empty()) remove_tree_forcefully(m_path);
}

std::filesystem::path TempDir::release() {
    std::filesystem::path out = std::move(m_path);
    m_path.clear();
    return out;
}

void remove_tree_forcefully(const std::filesystem::path& path) noexcept {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!ec) return;
    // Something was not removable: open up directory modes and try again.
    for (auto it = std::filesystem::recursive_directory_iterator(
             path, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    }
    ::chmod(path.c_str(), 0700);
    std::filesystem::remove_all(path, ec);
}

} // namespace mab
