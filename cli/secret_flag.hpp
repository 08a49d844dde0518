// --secret and --ssh, read as buildx reads them. Only where a secret's value is (a
// file or an environment variable) is kept: the value itself is read when a RUN
// mounts it (engine/ops/run_mounts.hpp) and never printed.
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "engine/ops/run_mounts.hpp"

namespace mab::cli {

// --secret id=ID[,type=file|env][,src=FILE|source=FILE][,env=VAR]: a file secret
// needs its file to exist now; without src and env the id names an environment
// variable if one is set, else a file (BuildKit's secretsprovider). Throws
// Error(usage) naming the flag.
std::pair<std::string, engine::ops::SecretSource> parse_secret_flag(const std::string& value);

// --ssh default|ID=SOCKET: "default" alone is $SSH_AUTH_SOCK. Only agent sockets are
// forwarded (no key files). Throws Error(usage) naming the flag.
std::pair<std::string, std::filesystem::path> parse_ssh_flag(const std::string& value);

} // namespace mab::cli
