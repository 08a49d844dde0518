#include "emu/qemu_locator.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "base/unique_fd.hpp"
#include "emu/arch_table.hpp"

namespace mab::emu {

namespace {

std::vector<std::filesystem::path>& search_dirs() {
    static std::vector<std::filesystem::path> dirs;
    return dirs;
}

std::vector<std::filesystem::path> path_dirs() {
    std::vector<std::filesystem::path> dirs;
    const char* path = std::getenv("PATH");
    if (path == nullptr) return dirs;
    std::string all(path);
    size_t start = 0;
    while (start <= all.size()) {
        size_t colon = all.find(':', start);
        if (colon == std::string::npos) colon = all.size();
        // An empty entry means the current directory: not a place to pick an emulator from.
        if (colon > start && all[start] == '/') dirs.emplace_back(all.substr(start, colon - start));
        start = colon + 1;
    }
    return dirs;
}

bool read_at(int fd, void* buf, size_t size, off_t offset) {
    return ::pread(fd, buf, size, offset) == static_cast<ssize_t>(size);
}

template <typename Ehdr, typename Phdr>
bool has_no_interpreter(int fd) {
    Ehdr header{};
    if (!read_at(fd, &header, sizeof header, 0)) return false;
    if (header.e_type != ET_EXEC && header.e_type != ET_DYN) return false;
    if (header.e_phentsize != sizeof(Phdr)) return false;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Phdr ph{};
        if (!read_at(fd, &ph, sizeof ph, static_cast<off_t>(header.e_phoff + i * sizeof ph))) return false;
        if (ph.p_type == PT_INTERP) return false;
    }
    return true;
}

} // namespace

void set_qemu_search_dirs(std::vector<std::filesystem::path> dirs) { search_dirs() = std::move(dirs); }

bool is_static_elf(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    unsigned char ident[EI_NIDENT] = {};
    if (!read_at(fd.get(), ident, sizeof ident, 0) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) return false;
    // The host's own byte order: qemu-user runs on this machine.
    if (ident[EI_CLASS] == ELFCLASS64) return has_no_interpreter<Elf64_Ehdr, Elf64_Phdr>(fd.get());
    if (ident[EI_CLASS] == ELFCLASS32) return has_no_interpreter<Elf32_Ehdr, Elf32_Phdr>(fd.get());
    return false;
}

std::vector<std::filesystem::path> qemu_candidates(std::string_view qemu_name) {
    const std::string name(qemu_name);
    const std::string static_name = "qemu-" + name + "-static";
    std::vector<std::filesystem::path> out;
    for (const auto& dir : search_dirs()) {
        out.push_back(dir / static_name);
        out.push_back(dir / ("qemu-" + name));
    }
    for (const auto& dir : path_dirs()) out.push_back(dir / static_name);
    out.emplace_back("/usr/bin/" + static_name);
    out.emplace_back("/usr/libexec/qemu-binfmt/" + name + "-binfmt-P");
    for (const auto& dir : path_dirs()) out.push_back(dir / ("qemu-" + name));
    out.emplace_back("/usr/bin/qemu-" + name);
    return out;
}

std::optional<std::filesystem::path> find_qemu(const ArchInfo& arch) {
    for (const std::filesystem::path& candidate : qemu_candidates(arch.qemu_name)) {
        if (::access(candidate.c_str(), X_OK) == 0 && is_static_elf(candidate)) return candidate;
    }
    return std::nullopt;
}

} // namespace mab::emu
