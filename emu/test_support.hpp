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
#include <vector>

namespace mab::emu::test {

// testdata/fetch-busybox.sh for a Debian architecture; nullopt (with a loud WARN) when
// apt cannot deliver it.
std::optional<std::filesystem::path> fetch_busybox(std::string_view debian_arch);

// Every entry of the host's binfmt_misc directory with its contents (read-only).
std::map<std::string, std::string> host_binfmt_listing();

// Forks a child that enters a new user namespace (mapping the caller to root) and a
// private mount namespace, and returns what `fn()` returns there, or "EXCEPTION: …" /
// "CHILD: …" when it throws or the setup fails. A binfmt_misc mounted there is the
// namespace's own instance (Linux 6.7, see kernel_has_private_binfmt).
std::string in_own_namespaces(const std::function<std::string()>& fn);

// Mounts a fresh binfmt_misc instance on `dir` (in_own_namespaces only); false if refused.
bool mount_binfmt_misc(const std::filesystem::path& dir);

// What `program` prints on stdout when run with exactly `argv` (argv[0] included) and
// no stdin; the exit status is ignored.
std::string output_of(const std::filesystem::path& program, const std::vector<std::string>& argv);

} // namespace mab::emu::test
