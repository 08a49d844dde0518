#include <sys/utsname.h>

#include <cstdio>

#include "base/user_namespace_probe.hpp"
#include "snapshotter/overlay.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "base/error.hpp"
#include "snapshotter/in_root.hpp"
#include "snapshotter/layer_apply.hpp"
#include "snapshotter/native_snapshotter.hpp"
#include "snapshotter/test_support.hpp"
#include "snapshotter/tree_diff.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

void write_proc(const char* file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.close();
    if (!out) throw std::runtime_error(std::string("write ") + file);
}

// Runs `body` in a child that unshares a user namespace (uid 0 -> our uid, one id,
// setgroups denied) and a mount namespace: the rootless path, even as real root.
// Returns the child's exit status; the child reports failures on stderr.
template <typename F>
int in_user_namespace(F body) {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 1;
        try {
            if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) throw std::runtime_error("unshare");
            write_proc("/proc/self/setgroups", "deny");
            write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
            write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
            rc = body();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "user namespace child: %s\n", e.what());
            rc = 2;
        }
        std::fflush(nullptr);
        ::_exit(rc);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

// A failed expectation inside a forked namespace child (Catch's macros stay in the parent).
void expect(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("expected: " + what);
}

std::vector<std::string> layer_names(oci::ContentStore& store, const std::optional<Layer>& layer) {
    if (!layer) return {};
    return entry_names(read_tar(test::read_file(store.path_of(layer->blob.digest))));
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// The contract both backends keep, as the engine uses it: prepare over a parent, change,
// diff, commit, read the committed view; siblings stay independent.
void exercise_snapshotter(Snapshotter& s, oci::ContentStore& store) {
    fs::path base = s.prepare("base", std::nullopt);
    write_file(base / "keep", "k");
    write_file(base / "gone", "bye");
    make_dir(base / "dir");
    write_file(base / "dir" / "old", "old");
    make_dir(base / "quiet");
    write_file(base / "quiet" / "q", "q");
    std::vector<std::string> names = layer_names(store, s.diff("base", store, LayerOptions{}));
    expect(contains(names, "keep") && contains(names, "dir/old"), "the base layer holds the base's files");
    const fs::path base_view = s.commit("base");
    expect(s.exists("base"), "base is committed");
    expect(list_tree(base_view) == std::vector<std::string>{"dir/", "dir/old", "gone", "keep", "quiet/", "quiet/q"},
           "base view");

    fs::path child = s.prepare("child", std::string("base"));
    expect(test::read_file(child / "keep") == "k", "the child sees its parent's files");
    fs::remove(child / "gone");
    write_file(child / "dir" / "new", "n");
    // Touched without a change: opened for writing (overlay copies it up), and a file
    // made and removed in a directory whose times are then put back.
    UniqueFd opened(::open((child / "keep").c_str(), O_WRONLY | O_CLOEXEC));
    expect(static_cast<bool>(opened), "open keep for writing");
    opened.reset();
    struct stat quiet_st {};
    expect(::lstat((child / "quiet").c_str(), &quiet_st) == 0, "stat quiet");
    write_file(child / "quiet" / "stub", "");
    fs::remove(child / "quiet" / "stub");
    const struct timespec times[2] = {quiet_st.st_atim, quiet_st.st_mtim};
    expect(::utimensat(AT_FDCWD, (child / "quiet").c_str(), times, AT_SYMLINK_NOFOLLOW) == 0, "restore times");
    names = layer_names(store, s.diff("child", store, LayerOptions{}));
    expect(contains(names, ".wh.gone") && contains(names, "dir/new"), "the child's layer holds its changes");
    expect(!contains(names, "keep") && !contains(names, "quiet"), "entries touched without a change are left out");
    const fs::path child_view = s.commit("child");
    expect(list_tree(child_view) ==
               std::vector<std::string>{"dir/", "dir/new", "dir/old", "keep", "quiet/", "quiet/q"},
           "child view");
    expect(list_tree(base_view) == std::vector<std::string>{"dir/", "dir/old", "gone", "keep", "quiet/", "quiet/q"},
           "the parent's view is unchanged");

    fs::path sibling = s.prepare("sibling", std::string("base"));
    expect(fs::exists(sibling / "gone") && !fs::exists(sibling / "dir" / "new"), "siblings are independent");
    expect(!s.diff("sibling", store, LayerOptions{}), "an unchanged snapshot has no layer");

    fs::path grandchild = s.prepare("grandchild", std::string("child"));
    expect(!fs::exists(grandchild / "gone") && fs::exists(grandchild / "dir" / "new"), "changes stack");

    bool refused = false;
    try {
        s.prepare("orphan", std::string("sibling"));  // not committed
    } catch (const Error&) {
        refused = true;
    }
    expect(refused, "an uncommitted parent is refused");

    s.remove("sibling");
    expect(!s.exists("sibling") && !fs::exists(sibling / "gone"), "remove drops the snapshot");

    s.remove_all();
    expect(!s.exists("base") && !s.exists("child") && !fs::exists(child_view / "keep") &&
               !fs::exists(grandchild / "dir"),
           "remove_all drops every snapshot, committed or not");
    fs::path again = s.prepare("base", std::nullopt);
    expect(fs::is_empty(again), "a key is free again after remove_all");
}

bool mounted_under(const fs::path& dir) {
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line)) {
        if (line.find(" " + dir.string() + "/") != std::string::npos) return true;
    }
    return false;
}

} // namespace

TEST_CASE("native and overlay snapshotters keep the same contract", "[overlay][native]") {
    TempDir base{"/tmp", "mab-snapshotters-"};
    oci::ContentStore store{base.path() / "content"};
    {
        NativeSnapshotter native(base.path() / "native");
        exercise_snapshotter(native, store);
    }
    const int rc = in_user_namespace([&] {
        if (!overlay_supported(base.path())) return 77;
        {
            OverlaySnapshotter overlay(base.path() / "overlay");
            exercise_snapshotter(overlay, store);
            expect(mounted_under(base.path() / "overlay"), "views are mounted while the snapshotter lives");
        }
        expect(!mounted_under(base.path() / "overlay"), "the snapshotter unmounts its views when it goes");
        return 0;
    });
    if (rc == 77) {
        WARN("overlay mounts are not available in a user namespace here: overlay half skipped");
        return;
    }
    REQUIRE(rc == 0);
}

TEST_CASE("overlay snapshots inside a user namespace diff to layers that apply back", "[overlay]") {
    TempDir base{"/tmp", "mab-overlay-"};
    const fs::path snaps = base.path() / "snaps";
    const fs::path expected = base.path() / "expected";
    const fs::path lower_tree = base.path() / "lower-tree";
    const fs::path layer_list = base.path() / "layers";
    oci::ContentStore store{base.path() / "content"};

    make_dir(lower_tree);
    write_file(lower_tree / "keep", "k");
    write_file(lower_tree / "gone", "bye");
    make_dir(lower_tree / "dir");
    write_file(lower_tree / "dir" / "old", "old");
    make_dir(lower_tree / "dir" / "sub");
    write_file(lower_tree / "dir" / "sub" / "deep", "d");
    make_dir(lower_tree / "other");
    write_file(lower_tree / "other" / "x", "x");

    // In the namespace: a base snapshot from the lower tree's layer, a child changed
    // through its view and diffed; the expected tree copied out for comparison.
    const int rc = in_user_namespace([&] {
        if (!overlay_supported(base.path())) return 77;
        OverlaySnapshotter s(snaps);
        // Built in here, where the tree's owner is 0: the ids the namespace maps.
        std::optional<Layer> lower_layer = diff_trees(std::nullopt, lower_tree, store, LayerOptions{});
        fs::path m = s.prepare("base", std::nullopt);
        {
            RootFs rfs(m);  // holds the mount busy while open
            apply_layer(store.path_of(lower_layer->blob.digest), rfs);
        }
        s.commit("base");
        m = s.prepare("child", std::string("base"));
        fs::remove(m / "gone");
        fs::remove_all(m / "dir");  // replaced by a new directory: opaque
        make_dir(m / "dir");
        write_file(m / "dir" / "fresh", "f");
        write_file(m / "other" / "x", "changed");
        write_file(m / "new", "n");
        copy_tree(m, expected);
        std::optional<Layer> diff = s.diff("child", store, LayerOptions{});
        expect(diff.has_value(), "the child has a layer");
        write_file(layer_list, lower_layer->blob.digest.str() + "\n" + diff->blob.digest.str() + "\n");
        // Applied back onto an empty tree, the two layers give the child's view. In here
        // too: the layers' owner (0) is only ours inside the namespace.
        const fs::path out = base.path() / "out";
        make_dir(out);
        RootFs rfs(out);
        apply_layer(store.path_of(lower_layer->blob.digest), rfs);
        apply_layer(store.path_of(diff->blob.digest), rfs);
        expect(list_tree(out) == std::vector<std::string>{"dir/", "dir/fresh", "keep", "new", "other/", "other/x"},
               "the applied layers' tree");
        expect(test::read_file(out / "other" / "x") == "changed", "other/x changed");
        expect(list_tree(out) == list_tree(expected), "applied tree == the child's view");
        s.remove("child");
        s.remove("base");
        return 0;
    });
    if (rc == 77) {
        WARN("overlay mounts are not available in a user namespace here: overlay test skipped");
        return;
    }
    REQUIRE(rc == 0);

    std::istringstream digests(test::read_file(layer_list));
    std::string lower_digest, diff_digest;
    digests >> lower_digest >> diff_digest;
    REQUIRE(!diff_digest.empty());
    const fs::path diff_blob = store.path_of(oci::Digest::parse(diff_digest));
    std::vector<TarEntry> entries = read_tar(test::read_file(diff_blob));
    std::vector<std::string> names = entry_names(entries);
    CHECK(std::count(names.begin(), names.end(), ".wh.gone") == 1);
    // The replaced directory: whiteouts for what it hid, as the native differ writes them.
    CHECK(std::count(names.begin(), names.end(), "dir/.wh.old") == 1);
    CHECK(std::count(names.begin(), names.end(), "dir/.wh.sub") == 1);
    CHECK(std::count(names.begin(), names.end(), "dir/.wh..wh..opq") == 0);
    CHECK(std::count(names.begin(), names.end(), "keep") == 0);  // untouched lower file
    for (const TarEntry& e : entries) {
        for (const auto& [name, value] : e.xattrs) CHECK(name.find("overlay.") == std::string::npos);
    }

}

TEST_CASE("overlay refuses to stack more layers than fit, pointing to native", "[overlay]") {
    TempDir base{"/tmp", "mab-overlay-deep-"};
    const fs::path message = base.path() / "message";
    const int rc = in_user_namespace([&] {
        if (!overlay_supported(base.path())) return 77;
        OverlaySnapshotter s(base.path() / "snaps");
        std::optional<std::string> parent;
        for (size_t i = 0; i <= k_overlay_max_depth + 1; ++i) {
            const std::string key = "s" + std::to_string(i);
            try {
                fs::path m = s.prepare(key, parent);
                write_file(m / key, key);
            } catch (const Error& e) {
                write_file(message, std::to_string(i) + " " + e.what() + " / " + e.hint());
                return 0;
            }
            s.commit(key);
            parent = key;
        }
        return 3;
    });
    if (rc == 77) {
        WARN("overlay mounts are not available in a user namespace here: overlay test skipped");
        return;
    }
    REQUIRE(rc == 0);
    const std::string text = test::read_file(message);
    CHECK(text.rfind(std::to_string(k_overlay_max_depth) + " ", 0) == 0);
    CHECK_THAT(text, Catch::Contains("--snapshotter=native"));
}

TEST_CASE("overlay_supported is false where mounting is not permitted", "[overlay]") {
    TempDir base{"/tmp", "mab-overlay-probe-"};
    if (is_root()) {
        // Real root in the initial namespace mounts with trusted.* xattrs.
        CHECK(mab::in_initial_user_namespace());
        return;
    }
    CHECK_FALSE(overlay_supported(base.path()));
    CHECK(list_tree(base.path()).empty());  // the probe cleans up
}

TEST_CASE("writable overlay snapshots are volatile: no sync of the upper filesystem", "[overlay]") {
    TempDir base{"/tmp", "mab-overlay-"};
    const fs::path snaps = base.path() / "snaps";
    const int rc = in_user_namespace([&] {
        if (!overlay_supported(base.path())) return 77;
        OverlaySnapshotter s(snaps);
        const fs::path m = s.prepare("one", std::nullopt);
        // overlay marks a volatile mount's work dir; kernels before 5.10 lack the option.
        bool is_volatile = false;
        for (const auto& e : fs::recursive_directory_iterator(snaps))
            if (e.path().filename() == "volatile" && e.path().parent_path().filename() == "incompat") is_volatile = true;
        write_file(m / "file", "data");
        const fs::path committed = s.commit("one");
        struct utsname u {};
        ::uname(&u);
        int major = 0, minor = 0;
        std::sscanf(u.release, "%d.%d", &major, &minor);
        const bool kernel_has_volatile = major > 5 || (major == 5 && minor >= 10);
        return is_volatile == kernel_has_volatile && test::read_file(committed / "file") == "data" ? 0 : 1;
    });
    if (rc == 77) {
        WARN("skipped: overlay cannot be mounted in a user namespace here");
        return;
    }
    CHECK(rc == 0);
}
