#include "emu/arch_table.hpp"

#include <elf.h>
#include <unistd.h>

#include <array>
#include <string>

namespace mab::emu {

namespace {

// EM_* values from <elf.h>; 386 and arm variants share an ELF machine with their
// siblings, which is why the variant is part of the key.
constexpr std::array<ArchInfo, 8> k_arches{{
    {"amd64", "", "x86_64", "x86_64", "amd64", EM_X86_64},
    {"arm64", "", "aarch64", "aarch64", "arm64", EM_AARCH64},
    {"arm", "v7", "arm", "armv7l", "armhf", EM_ARM},
    {"arm", "v6", "arm", "armv7l", "armel", EM_ARM},
    {"ppc64le", "", "ppc64le", "ppc64le", "ppc64el", EM_PPC64},
    {"s390x", "", "s390x", "s390x", "s390x", EM_S390},
    {"386", "", "i386", "i686", "i386", EM_386},
    {"riscv64", "", "riscv64", "riscv64", "riscv64", EM_RISCV},
}};

} // namespace

std::span<const ArchInfo> arch_table() { return k_arches; }

const ArchInfo* find_arch(const oci::Platform& platform) {
    oci::Platform p = platform.normalized();
    for (const ArchInfo& a : k_arches) {
        if (a.architecture != p.architecture) continue;
        if (p.architecture == "arm" && a.variant != p.variant) continue;
        return &a;
    }
    return nullptr;
}

std::optional<std::filesystem::path> find_qemu(const ArchInfo& arch) {
    const std::string name(arch.qemu_name);
    for (const std::string& candidate :
         {"/usr/bin/qemu-" + name + "-static", "/usr/libexec/qemu-binfmt/" + name + "-binfmt-P",
          "/usr/bin/qemu-" + name}) {
        if (::access(candidate.c_str(), X_OK) == 0) return std::filesystem::path(candidate);
    }
    return std::nullopt;
}

} // namespace mab::emu
