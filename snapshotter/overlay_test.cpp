#include "base/user_namespace_probe.hpp"
#include "snapshotter/overlay.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "base/temp_dir.hpp"
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

} // namespace

TEST_CASE("overlay snapshots inside a user namespace diff to layers that apply back", "[overlay]") {
    TempDir base{"/tmp", "mab-overlay-"};
    const fs::path snaps = base.path() / "snaps";
    const fs::path expected = base.path() / "expected";
    const fs::path lower_tree = base.path() / "lower-tree";
    oci::ContentStore store{base.path() / "content"};

    // The lower tree, as a layer applied into the base snapshot's upper (and, outside
    // the namespace, into the tree the diff is checked on).
    make_dir(lower_tree);
    write_file(lower_tree / "keep", "k");
    write_file(lower_tree / "gone", "bye");
    make_dir(lower_tree / "dir");
    write_file(lower_tree / "dir" / "old", "old");
    make_dir(lower_tree / "dir" / "sub");
    write_file(lower_tree / "dir" / "sub" / "deep", "d");
    make_dir(lower_tree / "other");
    write_file(lower_tree / "other" / "x", "x");
    std::optional<Layer> lower_layer = diff_trees(std::nullopt, lower_tree, store, LayerOptions{});
    REQUIRE(lower_layer);

    // In the namespace: base snapshot from the layer, a child snapshot changed through
    // its merged view, the merged view copied out for comparison.
    const int rc = in_user_namespace([&] {
        if (!overlay_supported(base.path())) return 77;
        OverlaySnapshotter s(snaps);
        fs::path m = s.prepare("base", {});
        {
            // Built in here, where the tree's owner is 0: the ids the namespace maps.
            std::optional<Layer> layer = diff_trees(std::nullopt, lower_tree, store, LayerOptions{});
            RootFs rfs(m);  // holds the mount busy while open
            apply_layer(store.path_of(layer->blob.digest), rfs);
        }
        s.commit("base");
        m = s.prepare("child", {"base"});
        fs::remove(m / "gone");
        fs::remove_all(m / "dir");  // replaced by a new directory: opaque
        make_dir(m / "dir");
        write_file(m / "dir" / "fresh", "f");
        write_file(m / "other" / "x", "changed");
        write_file(m / "new", "n");
        copy_tree(m, expected);
        s.unmount("child");
        return 0;
    });
    if (rc == 77) {
        WARN("overlay mounts are not available in a user namespace here: overlay test skipped");
        return;
    }
    REQUIRE(rc == 0);

    OverlaySnapshotter s(snaps);
    std::optional<Layer> diff = s.diff("child", store, LayerOptions{});
    REQUIRE(diff);
    std::vector<TarEntry> entries = read_tar(test::read_file(store.path_of(diff->blob.digest)));
    std::vector<std::string> names = entry_names(entries);
    CHECK(std::count(names.begin(), names.end(), ".wh.gone") == 1);
    CHECK(std::count(names.begin(), names.end(), "dir/.wh..wh..opq") == 1);
    CHECK(std::count(names.begin(), names.end(), "keep") == 0);  // untouched lower file
    for (const TarEntry& e : entries) {
        for (const auto& [name, value] : e.xattrs) CHECK(name.find("overlay.") == std::string::npos);
    }

    const fs::path out = base.path() / "out";
    make_dir(out);
    RootFs rfs(out);
    apply_layer(store.path_of(lower_layer->blob.digest), rfs);
    apply_layer(store.path_of(diff->blob.digest), rfs);
    DescribeOptions no_dir_times;
    no_dir_times.dir_mtimes = false;
    no_dir_times.mtime_nsec = false;  // layers carry whole seconds
    CHECK(describe_tree(out, no_dir_times) == describe_tree(expected, no_dir_times));
    CHECK(list_tree(out) == std::vector<std::string>{"dir/", "dir/fresh", "keep", "new", "other/", "other/x"});

    in_user_namespace([&] {
        OverlaySnapshotter(snaps).remove("child");
        OverlaySnapshotter(snaps).remove("base");
        return 0;
    });
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
