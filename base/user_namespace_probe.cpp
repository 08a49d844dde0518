#include "base/user_namespace_probe.hpp"

#include <sys/stat.h>

#include "base/error.hpp"

namespace mab {

namespace {
// PROC_USER_INIT_INO from <linux/proc_ns.h>.
constexpr ino_t k_init_user_ns_ino = 0xEFFFFFFDU;
} // namespace

bool in_initial_user_namespace() {
    struct stat st {};
    if (::stat("/proc/self/ns/user", &st) != 0) throw_errno("stat", "/proc/self/ns/user");
    return st.st_ino == k_init_user_ns_ino;
}

} // namespace mab
