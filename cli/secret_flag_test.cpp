#include "cli/secret_flag.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/error.hpp"
#include "base/temp_dir.hpp"

using namespace mab;
using namespace mab::cli;
using Kind = engine::ops::SecretSource::Kind;
namespace fs = std::filesystem;

TEST_CASE("--secret reads buildx's forms: src=, source=, env=, type=, and the id alone") {
    TempDir tmp(fs::temp_directory_path(), "mab-secret-flag-");
    const fs::path file = tmp.path() / "token";
    std::ofstream(file) << "s3cr3t";

    auto [id, src] = parse_secret_flag("id=token,src=" + file.string());
    CHECK(id == "token");
    CHECK(src.kind == Kind::file);
    CHECK(src.name == file.string());
    CHECK(parse_secret_flag("id=t,source=" + file.string()).second.name == file.string());
    CHECK(parse_secret_flag("type=file,id=t,src=" + file.string()).second.kind == Kind::file);

    auto env = parse_secret_flag("id=gh,env=GH_TOKEN").second;
    CHECK(env.kind == Kind::env);
    CHECK(env.name == "GH_TOKEN");
    // type=env: src names the variable; without it, the id does.
    CHECK(parse_secret_flag("id=gh,type=env,src=OTHER").second.name == "OTHER");
    CHECK(parse_secret_flag("id=gh,type=env").second.name == "gh");

    // The id alone: a variable of that name if there is one, else a file.
    ::setenv("MAB_TEST_SECRET_VAR", "v", 1);
    auto alone = parse_secret_flag("id=MAB_TEST_SECRET_VAR").second;
    CHECK(alone.kind == Kind::env);
    ::unsetenv("MAB_TEST_SECRET_VAR");
    CHECK_THROWS_WITH(parse_secret_flag("id=MAB_TEST_SECRET_VAR"),
                      "--secret id=MAB_TEST_SECRET_VAR: MAB_TEST_SECRET_VAR is not a readable file");
}

TEST_CASE("--secret errors name the flag and never read the file") {
    CHECK_THROWS_WITH(parse_secret_flag("src=/x"), "--secret src=/x: secret missing ID");
    CHECK_THROWS_WITH(parse_secret_flag("id=a,type=ssh"), "--secret id=a,type=ssh: unsupported secret type \"ssh\"");
    CHECK_THROWS_WITH(parse_secret_flag("id=a,sorce=/x"),
                      Catch::StartsWith("--secret id=a,sorce=/x: unexpected key 'sorce' in 'sorce=/x'") &&
                          Catch::Contains("did you mean source?"));
    CHECK_THROWS_WITH(parse_secret_flag("id=a,bare"), "--secret id=a,bare: invalid field 'bare' must be a key=value pair");
    CHECK_THROWS_WITH(parse_secret_flag("id=a,src=/nonexistent/file"),
                      "--secret id=a,src=/nonexistent/file: /nonexistent/file is not a readable file");
    try {
        parse_secret_flag("id=a,src=/nonexistent/file");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
    }
}

TEST_CASE("--ssh takes default ($SSH_AUTH_SOCK) or ID=SOCKET, sockets only") {
    TempDir tmp(fs::temp_directory_path(), "mab-ssh-flag-");
    const fs::path sock = tmp.path() / "agent.sock";
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);

    ::setenv("SSH_AUTH_SOCK", sock.c_str(), 1);
    CHECK(parse_ssh_flag("default") == std::pair<std::string, fs::path>{"default", sock});
    CHECK(parse_ssh_flag("gh=" + sock.string()).first == "gh");
    ::unsetenv("SSH_AUTH_SOCK");
    CHECK_THROWS_WITH(parse_ssh_flag("default"),
                      "--ssh default: invalid empty SSH agent socket, make sure SSH_AUTH_SOCK is set");
    std::ofstream(tmp.path() / "id_rsa") << "key";
    CHECK_THROWS_WITH(parse_ssh_flag("k=" + (tmp.path() / "id_rsa").string()),
                      Catch::EndsWith("is not a socket (mab forwards ssh-agent sockets, not key files)"));
    CHECK_THROWS_WITH(parse_ssh_flag("gh"), "--ssh gh: expected default or ID=SOCKET");
    ::close(fd);
}
