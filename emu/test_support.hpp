// Helpers for the emu tests: Debian's busybox-static per architecture (real foreign
// binaries), the host's binfmt_misc listing (to prove it unchanged), and a child process
// with a private binfmt_misc instance to register handlers in.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mab::emu::test {

// testdata/fetch-busybox.sh for a Debian architecture; nullopt (with a loud WARN) when
// apt cannot deliver it.
std::optional<std::filesystem::path> fetch_busybox(std::string_view debian_arch);

// Every entry of the host's binfmt_misc directory with its contents (read-only).
std::map<std::string, std::string> host_binfmt_listing();

// Forks a child that enters a new user namespace (mapping the caller to root) and mount
// namespace, mounts a fresh binfmt_misc instance on `mount_point` (an existing
// directory) and returns what `fn(mount_point)` returns, or "EXCEPTION: …" / "CHILD: …"
// when it throws or the setup fails. Needs Linux 6.7 (see kernel_has_private_binfmt).
std::string in_private_binfmt(const std::filesystem::path& mount_point,
                              const std::function<std::string(const std::filesystem::path&)>& fn);

} // namespace mab::emu::test
