#include "engine/ops/user_lookup.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/test_support.hpp"

using mab::engine::graph::ChownSpec;
using mab::engine::ops::resolve_owner;
using mab::snapshotter::Ownership;
using mab::snapshotter::RootFs;
namespace t = mab::engine::ops::test;

namespace {

const char* const k_passwd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment line\n"
    "\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "broken line without fields\n"
    "app:x:1000:1001:App User:/home/app:/bin/sh\n"
    "web:x:33:33::/var/www:\r\n"
    "odd:x:notanumber:5::/:\n";

const char* const k_group =
    "root:x:0:\n"
    "staff:x:50:app,web\n"
    "appgroup:x:1001:\n";

struct Root {
    mab::TempDir dir{std::filesystem::temp_directory_path(), "mab-user-lookup-"};
    std::filesystem::path root = dir.path() / "root";
    Root() { t::make_dir(root); }
    void with_accounts() {
        t::write_file(root / "etc/passwd", k_passwd);
        t::write_file(root / "etc/group", k_group);
    }
    Ownership resolve(const std::string& user, const std::string& group = "") {
        RootFs fs(root);
        return resolve_owner(ChownSpec{user, group}, fs);
    }
};

std::string error_of(Root& r, const std::string& user, const std::string& group = "") {
    try {
        r.resolve(user, group);
    } catch (const mab::Error& e) {
        CHECK(e.kind() == mab::ErrorKind::input);
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("resolve_owner looks names up in the root's passwd and group", "[user_lookup]") {
    Root r;
    r.with_accounts();
    Ownership app = r.resolve("app");
    CHECK(app.uid == 1000);
    CHECK(app.gid == 1001);  // primary group from passwd
    Ownership web = r.resolve("web");  // CRLF line
    CHECK(web.uid == 33);
    CHECK(web.gid == 33);
    Ownership app_staff = r.resolve("app", "staff");
    CHECK(app_staff.uid == 1000);
    CHECK(app_staff.gid == 50);
    Ownership app_numeric_group = r.resolve("app", "7");
    CHECK(app_numeric_group.gid == 7);
    Ownership root_only_group = r.resolve("", "staff");
    CHECK(root_only_group.uid == 0);
    CHECK(root_only_group.gid == 50);
}

TEST_CASE("resolve_owner: numeric ids need no files", "[user_lookup]") {
    Root r;  // no /etc at all
    Ownership a = r.resolve("1000");
    CHECK(a.uid == 1000);
    CHECK(a.gid == 1000);  // gid = uid without a passwd entry, as BuildKit
    Ownership b = r.resolve("1000", "2000");
    CHECK(b.uid == 1000);
    CHECK(b.gid == 2000);
    Ownership big = r.resolve("4294967294", "0");
    CHECK(big.uid == 4294967294u);
}

TEST_CASE("resolve_owner: a numeric user takes its primary group from passwd", "[user_lookup]") {
    Root r;
    r.with_accounts();
    CHECK(r.resolve("1000").gid == 1001);
    CHECK(r.resolve("4242").gid == 4242);  // no entry: gid = uid
}

TEST_CASE("resolve_owner: unknown names are clear errors", "[user_lookup]") {
    Root r;
    r.with_accounts();
    CHECK(error_of(r, "nobody") == "unable to find user nobody: no matching entries in passwd file");
    CHECK(error_of(r, "app", "wheel") ==
          "unable to find group wheel: no matching entries in group file");
    CHECK(error_of(r, "odd") == "unable to find user odd: no matching entries in passwd file");
    Root empty;  // no passwd file at all
    CHECK(error_of(empty, "app") == "unable to find user app: no matching entries in passwd file");
    CHECK(error_of(empty, "0", "staff") ==
          "unable to find group staff: no matching entries in group file");
}

TEST_CASE("resolve_owner: a symlinked /etc/passwd resolves inside the root", "[user_lookup]") {
    Root r;
    // A host file with an "app" entry, and a root whose /etc/passwd points at it by
    // its absolute host path: the link must resolve to <root>/<host path> instead.
    const std::filesystem::path host_passwd = r.dir.path() / "host-passwd";
    t::write_file(host_passwd, "app:x:666:666::/:/bin/sh\n");
    t::make_dir(r.root / "etc");
    t::make_symlink(host_passwd.string(), r.root / "etc/passwd");
    CHECK(error_of(r, "app") == "unable to find user app: no matching entries in passwd file");

    // The same link with a file at that path inside the root is followed there.
    t::write_file(r.root / host_passwd.relative_path(), "app:x:1234:4321::/:/bin/sh\n");
    Ownership in_root = r.resolve("app");
    CHECK(in_root.uid == 1234);
    CHECK(in_root.gid == 4321);

    // Relative links with too many ".." stay in the root too.
    std::filesystem::remove(r.root / "etc/passwd");
    t::make_symlink("../../../../../../../../" + host_passwd.relative_path().string(),
                    r.root / "etc/passwd");
    CHECK(r.resolve("app").uid == 1234);
}

TEST_CASE("resolve_owner refuses oversized and non-regular account files", "[user_lookup]") {
    Root r;
    std::string big = "app:x:1000:1000::/:/bin/sh\n";
    big.resize(static_cast<size_t>(mab::engine::ops::k_max_account_file_size) + 100, '#');
    t::write_file(r.root / "etc/passwd", big);
    CHECK_THAT(error_of(r, "app"), Catch::Contains("/etc/passwd") && Catch::Contains("larger than"));

    std::filesystem::remove(r.root / "etc/passwd");
    REQUIRE(::mkfifo((r.root / "etc/passwd").c_str(), 0644) == 0);
    CHECK_THAT(error_of(r, "app"), Catch::Contains("/etc/passwd") &&
                                       Catch::Contains("not a regular file"));

    std::filesystem::remove(r.root / "etc/passwd");
    t::make_dir(r.root / "etc/passwd");
    CHECK_THAT(error_of(r, "app"), Catch::Contains("not a regular file"));
}

TEST_CASE("resolve_run_user: supplementary groups as Docker gives them", "[user_lookup]") {
    using mab::engine::ops::resolve_run_user;
    using mab::engine::ops::RunUser;
    using Groups = std::vector<uint32_t>;
    Root r;
    r.with_accounts();
    t::write_file(r.root / "etc/group",
                  "root:x:0:\n"
                  "staff:x:50:app,web\n"
                  "appgroup:x:1001:app\n"  // the primary group listed again: no duplicate
                  "wheel:x:10:root,application\n"  // "application" is not "app"
                  "bad:x:nan:app\n"
                  "short:x:60\n");
    RunUser app = resolve_run_user("app", RootFs(r.root));
    CHECK(app.uid == 1000);
    CHECK(app.gid == 1001);
    CHECK(app.groups == Groups{1001, 50});
    // A uid with a passwd entry is that user; the default USER is root.
    CHECK(resolve_run_user("1000", RootFs(r.root)).groups == Groups{1001, 50});
    CHECK(resolve_run_user("", RootFs(r.root)).groups == Groups{0, 10});
    CHECK(resolve_run_user("root", RootFs(r.root)).groups == Groups{0, 10});
    // A group in USER, or a uid without an entry: the gid only.
    CHECK(resolve_run_user("app:staff", RootFs(r.root)).groups == Groups{50});
    CHECK(resolve_run_user("1000:1000", RootFs(r.root)).groups == Groups{1000});
    RunUser stranger = resolve_run_user("4242", RootFs(r.root));
    CHECK(stranger.gid == 4242);
    CHECK(stranger.groups == Groups{4242});
    // No account files at all (FROM scratch): root with group 0.
    Root empty;
    RunUser scratch = resolve_run_user("", RootFs(empty.root));
    CHECK(scratch.uid == 0);
    CHECK(scratch.gid == 0);
    CHECK(scratch.groups == Groups{0});
}
