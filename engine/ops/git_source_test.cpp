#include "engine/ops/git_source.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/test_support.hpp"
#include "registry/subprocess.hpp"

using namespace mab::engine;
using namespace mab::engine::ops::test;
using Catch::Matchers::Contains;

namespace {

std::string git(const fs::path& repo, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"git", "-C", repo.string(), "-c", "user.email=t@example.com", "-c", "user.name=t"};
    argv.insert(argv.end(), args.begin(), args.end());
    mab::registry::ProcessResult r = mab::registry::run_process(argv, "", std::chrono::seconds(60));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
}

// A repository with two commits: v1 (sub/a.txt "one", top.txt) and main (sub/a.txt "two").
struct Repo {
    mab::TempDir dir{fs::temp_directory_path(), "mab-git-test"};
    fs::path path = dir.path() / "repo";
    std::string first;
    Repo() {
        REQUIRE_FALSE(mab::registry::find_program("git").empty());  // scripts/setup.sh installs it
        make_dir(path);
        git(path, {"init", "-q", "-b", "main"});
        make_dir(path / "sub");
        write_file(path / "sub" / "a.txt", "one\n");
        write_file(path / "top.txt", "top\n");
        git(path, {"add", "-A"});
        git(path, {"commit", "-q", "-m", "first"});
        git(path, {"tag", "v1"});
        first = git(path, {"rev-parse", "HEAD"});
        write_file(path / "sub" / "a.txt", "two\n");
        git(path, {"commit", "-q", "-a", "-m", "second"});
    }
    // file:// so that the shallow clone path is the one taken (a plain path ignores --depth).
    std::string url() const { return "file://" + path.string(); }
};

std::vector<std::string> names(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("a git source at a tag with a subdirectory holds only that directory's contents") {
    Repo repo;
    mab::TempDir root(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{repo.url(), "v1", "sub", false}, root.path());
    CHECK(names(root.path()) == std::vector<std::string>{"a.txt"});
    CHECK(read_file(root.path() / "a.txt") == "one\n");
}

TEST_CASE("a git source at a branch drops .git unless asked to keep it") {
    Repo repo;
    mab::TempDir plain(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{repo.url(), "main", "", false}, plain.path());
    CHECK(names(plain.path()) == std::vector<std::string>{"sub", "top.txt"});
    CHECK(read_file(plain.path() / "sub" / "a.txt") == "two\n");

    mab::TempDir kept(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{repo.url(), "main", "", true}, kept.path());
    CHECK(names(kept.path()) == std::vector<std::string>{".git", "sub", "top.txt"});
}

TEST_CASE("a git source at a commit id checks that commit out") {
    Repo repo;
    mab::TempDir root(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{repo.url(), repo.first, "", false}, root.path());
    CHECK(read_file(root.path() / "sub" / "a.txt") == "one\n");
    CHECK(names(root.path()) == std::vector<std::string>{"sub", "top.txt"});
}

TEST_CASE("a git source fails clearly and leaves nothing behind") {
    Repo repo;
    mab::TempDir root(fs::temp_directory_path(), "mab-git-root");
    CHECK_THROWS_WITH(ops::fetch_git_source(graph::GitSource{repo.url(), "v1", "nope", false}, root.path()),
                      Contains("subdirectory \"nope\" is not a directory in the repository"));
    CHECK_THROWS_WITH(ops::fetch_git_source(graph::GitSource{repo.url(), "v1", "../..", false}, root.path()),
                      Contains("subdirectory \"../..\""));
    CHECK_THROWS_WITH(ops::fetch_git_source(graph::GitSource{repo.url(), "no-such-branch", "", false}, root.path()),
                      Contains("git clone of " + repo.url() + " at no-such-branch: exit status 128: ") &&
                          Contains("no-such-branch"));
    // Port 1 on the loopback refuses at once; the password is never in the message.
    try {
        ops::fetch_git_source(graph::GitSource{"http://someone:hunter2@127.0.0.1:1/repo.git", "", "", false},
                              root.path());
        FAIL("an unreachable repository was cloned");
    } catch (const mab::Error& e) {
        CHECK_THAT(std::string(e.what()), Contains("git clone of http://127.0.0.1:1/repo.git: exit status"));
        CHECK_THAT(std::string(e.what()), !Contains("hunter2"));
    }
    CHECK(names(root.path()).empty());
}

TEST_CASE("a git source checks out submodules recursively, at the recorded commit") {
    Repo inner;  // its main branch has sub/a.txt "two"; the superproject records v1's commit
    Repo outer;
    // Submodules over file:// are refused by git's default protocol.file.allow=user; the
    // test allows them for the git processes the source starts (they inherit the env).
    ::setenv("GIT_CONFIG_COUNT", "1", 1);
    ::setenv("GIT_CONFIG_KEY_0", "protocol.file.allow", 1);
    ::setenv("GIT_CONFIG_VALUE_0", "always", 1);
    git(outer.path, {"-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.url(), "lib"});
    git(outer.path / "lib", {"checkout", "-q", inner.first});
    git(outer.path, {"add", "-A"});
    git(outer.path, {"commit", "-q", "-m", "add submodule"});

    mab::TempDir plain(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{outer.url(), "main", "", false}, plain.path());
    CHECK(read_file(plain.path() / "lib" / "sub" / "a.txt") == "one\n");
    CHECK_FALSE(fs::exists(fs::symlink_status(plain.path() / "lib" / ".git")));
    CHECK_FALSE(fs::exists(plain.path() / ".git"));

    mab::TempDir kept(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{outer.url(), "main", "", true}, kept.path());
    CHECK(fs::is_regular_file(kept.path() / "lib" / ".git"));
    ::unsetenv("GIT_CONFIG_COUNT");
}

TEST_CASE("a git source's files are dated at the commit, not at the clone") {
    // Commits dated in 2001, so the clone's own time cannot pass for them.
    ::setenv("GIT_COMMITTER_DATE", "2001-02-03T04:05:06Z", 1);
    Repo repo;
    ::unsetenv("GIT_COMMITTER_DATE");
    const std::string commit_time = git(repo.path, {"log", "-1", "--format=%ct", "v1"});
    CHECK(commit_time == "981173106");
    mab::TempDir root(fs::temp_directory_path(), "mab-git-root");
    ops::fetch_git_source(graph::GitSource{repo.url(), "v1", "", false}, root.path());
    CHECK(std::to_string(lstat_of(root.path() / "top.txt").st_mtim.tv_sec) == commit_time);
    CHECK(std::to_string(lstat_of(root.path() / "sub").st_mtim.tv_sec) == commit_time);
    CHECK(std::to_string(lstat_of(root.path() / "sub" / "a.txt").st_mtim.tv_sec) == commit_time);
}
