#include "emu/arch_table.hpp"

#include <elf.h>

#include <array>
#include <string>
#include <string_view>

namespace mab::emu {

namespace {

// binfmt_misc magic/mask pairs (qemu's scripts/qemu-binfmt-conf.sh; Debian's
// /usr/share/binfmts/qemu-* carry the same bytes). The masks ignore the OS/ABI version
// byte, ET_EXEC vs ET_DYN (0x02/0x03) and, for ppc64le/s390x, the ABI flags.
constexpr std::string_view k_x86_64_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00)";
constexpr std::string_view k_x86_mask =
    R"(\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff)";
constexpr std::string_view k_i386_magic =
    R"(\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00)";
constexpr std::string_view k_aarch64_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00)";
constexpr std::string_view k_arm_magic =
    R"(\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00)";
constexpr std::string_view k_riscv64_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00)";
// mips64 (n64) and loongarch64 as Debian 12's qemu-user-static registers them: the
// masks also ignore the ABI version byte's low bit (mips) or the whole byte (loongarch).
constexpr std::string_view k_mips64el_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x08\x00)";
constexpr std::string_view k_mips64el_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\x00\xfe\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff)";
constexpr std::string_view k_mips64_magic =
    R"(\x7f\x45\x4c\x46\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x08)";
constexpr std::string_view k_mips64_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\x00\xfe\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff)";
constexpr std::string_view k_loongarch64_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x02\x01)";
constexpr std::string_view k_loongarch64_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\xfc\x00\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff)";
constexpr std::string_view k_le_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff)";
constexpr std::string_view k_ppc64le_magic =
    R"(\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x15\x00)";
constexpr std::string_view k_ppc64le_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\x00)";
constexpr std::string_view k_s390x_magic =
    R"(\x7f\x45\x4c\x46\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x16)";
constexpr std::string_view k_s390x_mask =
    R"(\xff\xff\xff\xff\xff\xff\xff\xfc\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff)";

// EM_* values from <elf.h>; 386 and arm variants share an ELF machine with their
// siblings, which is why the variant is part of the key. Debian has no big-endian
// mips64 port, so that row names no Debian architecture.
constexpr std::array<ArchInfo, 11> k_arches{{
    {"amd64", "", "x86_64", "x86_64", "amd64", EM_X86_64, k_x86_64_magic, k_x86_mask},
    {"arm64", "", "aarch64", "aarch64", "arm64", EM_AARCH64, k_aarch64_magic, k_le_mask},
    {"arm", "v7", "arm", "armv7l", "armhf", EM_ARM, k_arm_magic, k_le_mask},
    {"arm", "v6", "arm", "armv7l", "armel", EM_ARM, k_arm_magic, k_le_mask},
    {"ppc64le", "", "ppc64le", "ppc64le", "ppc64el", EM_PPC64, k_ppc64le_magic, k_ppc64le_mask},
    {"s390x", "", "s390x", "s390x", "s390x", EM_S390, k_s390x_magic, k_s390x_mask},
    {"386", "", "i386", "i686", "i386", EM_386, k_i386_magic, k_x86_mask},
    {"riscv64", "", "riscv64", "riscv64", "riscv64", EM_RISCV, k_riscv64_magic, k_le_mask},
    {"mips64le", "", "mips64el", "mips64", "mips64el", EM_MIPS, k_mips64el_magic, k_mips64el_mask},
    {"mips64", "", "mips64", "mips64", "", EM_MIPS, k_mips64_magic, k_mips64_mask},
    {"loong64", "", "loongarch64", "loongarch64", "loong64", EM_LOONGARCH, k_loongarch64_magic, k_loongarch64_mask},
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

bool runs_natively(const ArchInfo& target, const ArchInfo& host) {
    if (&target == &host) return true;
    if (host.architecture == "amd64" && target.architecture == "386") return true;
    if (host.architecture == "arm" && host.variant == "v7" && target.architecture == "arm") return true;
    return false;
}

std::string binfmt_bytes(std::string_view escaped) {
    std::string out;
    for (std::size_t i = 0; i < escaped.size();) {
        if (escaped.substr(i, 2) == "\\x" && i + 4 <= escaped.size()) {
            out += static_cast<char>(std::stoi(std::string(escaped.substr(i + 2, 2)), nullptr, 16));
            i += 4;
        } else {
            out += escaped[i++];
        }
    }
    return out;
}

} // namespace mab::emu
