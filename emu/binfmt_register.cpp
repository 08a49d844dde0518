#include "emu/binfmt_register.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/unique_fd.hpp"

namespace mab::emu {

namespace {

// BINFMTFS_MAGIC from <linux/magic.h>.
constexpr long k_binfmtfs_magic = 0x42494e4d;

// Writes `text` to `file` in one write(2), as binfmt_misc requires. Returns 0 or errno.
int write_control(const std::filesystem::path& file, const std::string& text) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno;
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n == static_cast<ssize_t>(text.size())) return 0;
    return n < 0 ? errno : EIO;
}

} // namespace

std::string handler_name(const ArchInfo& arch) { return "qemu-" + std::string(arch.qemu_name); }

bool is_binfmt_mount(const std::filesystem::path& dir) {
    struct statfs fs {};
    return ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == k_binfmtfs_magic;
}

bool register_qemu_handler(const std::filesystem::path& dir, const ArchInfo& arch,
                           const std::filesystem::path& qemu) {
    const std::string name = handler_name(arch);
    if (std::filesystem::exists(dir / name)) return false;
    if (qemu.native().find(':') != std::string::npos)
        throw Error(ErrorKind::emulation, fmt::format("qemu path {} contains ':', which binfmt_misc cannot take", qemu));
    const std::string line =
        fmt::format(":{}:M::{}:{}:{}:POCF", name, arch.binfmt_magic, arch.binfmt_mask, qemu.native());
    const int err = write_control(dir / "register", line);
    if (err == 0) return true;
    if (err == EEXIST) return false;  // registered by someone else since the check above
    throw Error(ErrorKind::emulation,
                fmt::format("register {} ({}) in {}: {}", name, qemu, dir / "register", std::strerror(err)));
}

bool remove_handler(const std::filesystem::path& dir, const std::string& entry) {
    const std::filesystem::path file = dir / entry;
    if (!std::filesystem::exists(file)) return false;
    const int err = write_control(file, "-1");
    if (err == 0) return true;
    if (err == ENOENT) return false;
    throw Error(ErrorKind::emulation, fmt::format("remove {}: {}", file, std::strerror(err)));
}

} // namespace mab::emu
