#include "engine/ops/git_source.hpp"

#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "registry/http_transport.hpp"
#include "registry/subprocess.hpp"

namespace mab::engine::ops {

namespace {

namespace fs = std::filesystem;

// A clone of a large repository over a slow link takes long; a hung server does not
// hold the build forever.
constexpr std::chrono::seconds clone_timeout{3600};

// A full commit id (SHA-1 or SHA-256) is checked out; anything else names a branch or tag.
bool is_commit_id(const std::string& ref) {
    return (ref.size() == 40 || ref.size() == 64) &&
           std::all_of(ref.begin(), ref.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "user:password@" of a URL with a scheme, or "" when it has none.
std::string credentials_of(const std::string& url) {
    size_t authority = url.find("://");
    if (authority == std::string::npos) return "";
    authority += 3;
    size_t at = url.find('@', authority);
    if (at == std::string::npos || at > url.find('/', authority)) return "";
    return url.substr(authority, at + 1 - authority);
}

// The last lines of git's stderr, with the URL's credentials taken out wherever git
// repeats them.
std::string stderr_tail(std::string err, const std::string& credentials) {
    if (!credentials.empty()) {
        for (size_t at = err.find(credentials); at != std::string::npos; at = err.find(credentials, at))
            err.erase(at, credentials.size());
    }
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    size_t start = err.size();
    for (int lines = 0; lines < 5 && start != std::string::npos && start > 0; ++lines)
        start = err.rfind('\n', start - 1);
    std::string tail = start == std::string::npos ? err : err.substr(start + 1);
    std::replace(tail.begin(), tail.end(), '\n', ' ');
    return tail;
}

registry::ProcessResult run_git(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    return registry::run_process(argv, "", clone_timeout, {}, {"GIT_TERMINAL_PROMPT=0"});
}

void check(const registry::ProcessResult& result, const std::string& what, const graph::GitSource& source) {
    if (result.exit_code == 0) return;
    throw Error(ErrorKind::input, fmt::format("git {} of {}{}: exit status {}: {}", what,
                                              registry::url_for_message(source.url),
                                              source.ref.empty() ? "" : " at " + source.ref, result.exit_code,
                                              stderr_tail(result.err, credentials_of(source.url))));
}

void clone(const graph::GitSource& source, const fs::path& checkout) {
    if (is_commit_id(source.ref)) {
        check(run_git({"clone", "--quiet", "--no-checkout", "--", source.url, checkout.string()}), "clone", source);
        check(run_git({"-C", checkout.string(), "-c", "advice.detachedHead=false", "checkout", "--quiet",
                       source.ref, "--"}),
              "checkout", source);
        return;
    }
    std::vector<std::string> args{"clone", "--quiet", "--depth", "1"};
    if (!source.ref.empty()) args.insert(args.end(), {"--branch", source.ref});
    args.insert(args.end(), {"--", source.url, checkout.string()});
    registry::ProcessResult result = run_git(args);
    // Dumb HTTP (and some servers) cannot serve a shallow clone: the whole history then.
    if (result.exit_code != 0 && result.err.find("shallow") != std::string::npos) {
        std::error_code ignored;
        fs::remove_all(checkout, ignored);
        args.erase(args.begin() + 2, args.begin() + 4);
        result = run_git(args);
    }
    check(result, "clone", source);
}

// Submodules are checked out at the commits the tree records, recursively, as
// BuildKit's git source does (shallow where the server allows it).
void update_submodules(const graph::GitSource& source, const fs::path& checkout) {
    if (!fs::exists(checkout / ".gitmodules")) return;
    std::vector<std::string> args{"-C", checkout.string(), "submodule", "update", "--quiet", "--init",
                                  "--recursive", "--depth", "1"};
    registry::ProcessResult result = run_git(args);
    if (result.exit_code != 0) {
        // A server that cannot serve the recorded commit shallowly: whole histories then.
        args.erase(args.end() - 2, args.end());
        result = run_git(args);
    }
    check(result, "submodule update", source);
}

// A submodule's ".git" is a file naming its git directory inside the top-level .git;
// without that directory it points nowhere, so it goes too.
void remove_git_links(const fs::path& dir) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        if (entry.is_symlink() || !entry.is_directory()) continue;
        std::error_code ignored;
        if (fs::is_regular_file(fs::symlink_status(entry.path() / ".git"))) fs::remove(entry.path() / ".git", ignored);
        remove_git_links(entry.path());
    }
}

// The committer time of the checked-out commit, in seconds since the epoch.
int64_t head_commit_time(const graph::GitSource& source, const fs::path& checkout) {
    registry::ProcessResult result = run_git({"-C", checkout.string(), "log", "-1", "--format=%ct", "HEAD"});
    check(result, "log", source);
    try {
        return std::stoll(result.out);
    } catch (const std::exception&) {
        throw Error(ErrorKind::input, fmt::format("git log of {}: no commit time in \"{}\"",
                                                  registry::url_for_message(source.url), result.out));
    }
}

// Sets the mtime (and atime) of `dir`'s entries, recursively, without following links.
void set_times(const fs::path& dir, int64_t seconds) {
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
        if (::utimensat(AT_FDCWD, entry.path().c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("utimensat", entry.path().string());
    }
}

// The subdirectory inside the checkout; a path that leaves it, or a symlink, is not one.
fs::path subdirectory(const fs::path& checkout, const graph::GitSource& source) {
    fs::path path = checkout;
    for (const fs::path& part : fs::path(source.subdir).relative_path()) {
        if (part.empty() || part == ".") continue;
        struct stat st {};
        if (part == ".." || ::lstat((path / part).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            throw Error(ErrorKind::input,
                        fmt::format("git source {}{}: subdirectory \"{}\" is not a directory in the repository",
                                    registry::url_for_message(source.url),
                                    source.ref.empty() ? "" : " at " + source.ref, source.subdir));
        path /= part;
    }
    return path;
}

} // namespace

void fetch_git_source(const graph::GitSource& source, const fs::path& rootfs) {
    // Cloned beside the result inside the same snapshot, so that moving the wanted
    // entries out is a rename.
    std::string pattern = (rootfs / ".mab-git-checkout-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp", pattern);
    const fs::path checkout = pattern;
    try {
        fs::remove(checkout);  // git clone makes the directory itself
        clone(source, checkout);
        update_submodules(source, checkout);
        const int64_t commit_time = head_commit_time(source, checkout);
        if (!source.keep_git_dir) {
            fs::remove_all(checkout / ".git");
            if (fs::exists(checkout / ".gitmodules")) remove_git_links(checkout);
        }
        fs::path from = source.subdir.empty() ? checkout : subdirectory(checkout, source);
        for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
            if (entry.path() == checkout / ".git" && !source.keep_git_dir) continue;
            fs::rename(entry.path(), rootfs / entry.path().filename());
        }
        fs::remove_all(checkout);
        // Every entry dated at the commit, not at the clone: the same ref gives the same
        // layer on every machine and every day.
        set_times(rootfs, commit_time);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(checkout, ignored);
        throw;
    }
}

} // namespace mab::engine::ops
