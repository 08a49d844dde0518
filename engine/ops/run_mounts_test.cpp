// PreparedMounts: graph mounts made into sandbox mounts on real directories; secrets
// in a real private tmpfs (inside a real build namespace).
#include "engine/ops/run_mounts.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <cstdlib>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/test_support.hpp"
#include "executor/test_support.hpp"

namespace fs = std::filesystem;
namespace g = mab::engine::graph;
namespace t = mab::engine::ops::test;
using mab::engine::ops::FileOpInput;
using mab::engine::ops::PreparedMounts;
using mab::engine::ops::RunMountConfig;
using mab::engine::ops::SecretSource;

namespace {

g::ExecMount mount(g::MountType type, const std::string& target) {
    g::ExecMount m;
    m.type = type;
    m.target = target;
    return m;
}

g::ExecOp op_with(std::vector<g::ExecMount> mounts) {
    g::ExecOp op;
    op.mounts = std::move(mounts);
    return op;
}

} // namespace

TEST_CASE("binds: read-only in place, a copy when writable or filtered by .dockerignore") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-run-mounts-");
    const fs::path ctx = tmp.path() / "ctx";
    t::write_file(ctx / "src/kept", "k");
    t::write_file(ctx / "src/ignored.txt", "i");
    FileOpInput plain{ctx, "the build context"};
    plain.local_source = true;
    FileOpInput filtered = plain;
    filtered.filter = std::make_shared<const mab::engine::ops::ContextFilter>(std::vector<std::string>{"src/ignored.txt"});
    RunMountConfig config;
    config.scratch_dir = tmp.path();

    g::ExecMount ro = mount(g::MountType::bind, "/in");
    ro.input = 1;
    ro.source = "/src";
    ro.readonly = true;
    g::ExecMount rw = ro;
    rw.readonly = false;
    rw.target = "/rw";
    PreparedMounts prepared(op_with({ro, rw}), {FileOpInput{tmp.path() / "base", "base"}, plain}, config, {});
    REQUIRE(prepared.mounts().size() == 2);
    CHECK(prepared.mounts()[0].source == ctx / "src");
    CHECK(prepared.mounts()[0].readonly);
    const fs::path copy = prepared.mounts()[1].source;
    CHECK(copy.parent_path() == tmp.path());
    CHECK(t::read_file(copy / "kept") == "k");
    t::write_file(copy / "kept", "changed");
    CHECK(t::read_file(ctx / "src/kept") == "k");

    PreparedMounts ignoring(op_with({ro}), {FileOpInput{tmp.path() / "base", "base"}, filtered}, config, {});
    const fs::path view = ignoring.mounts()[0].source;
    CHECK(view != ctx / "src");
    CHECK(fs::exists(view / "kept"));
    CHECK_FALSE(fs::exists(view / "ignored.txt"));

    g::ExecMount missing = ro;
    missing.source = "/nope";
    CHECK_THROWS_WITH(PreparedMounts(op_with({missing}), {FileOpInput{}, plain}, config, {}),
                      "RUN --mount=type=bind,target=/in: source \"/nope\" not found in the build context");
}

TEST_CASE("secrets: written to a private tmpfs with their mode, skipped when optional, named when required") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-run-mounts-");
    t::write_file(tmp.path() / "token", "the-value");
    ::setenv("MAB_RUN_MOUNTS_TEST_SECRET", "from-env", 1);
    std::string got = mab::executor::testing::in_build_namespace([&](const mab::executor::BuildNamespace&) {
        RunMountConfig config;
        config.scratch_dir = tmp.path();
        config.secrets["token"] = SecretSource{SecretSource::Kind::file, (tmp.path() / "token").string()};
        config.secrets["env"] = SecretSource{SecretSource::Kind::env, "MAB_RUN_MOUNTS_TEST_SECRET"};
        g::ExecMount file = mount(g::MountType::secret, "/run/secrets/token");
        file.id = "token";
        file.mode = 0440;
        g::ExecMount env = mount(g::MountType::secret, "/e");
        env.id = "env";
        g::ExecMount absent = mount(g::MountType::secret, "/run/secrets/absent");
        absent.id = "absent";
        std::string out;
        {
            PreparedMounts prepared(op_with({file, env, absent}), {FileOpInput{}}, config, {});
            out += std::to_string(prepared.mounts().size());
            for (const mab::executor::SandboxMount& m : prepared.mounts()) {
                struct stat st {};
                ::stat(m.source.c_str(), &st);
                out += fmt::format(" {}={}:{:o}", m.target, t::read_file(m.source), st.st_mode & 07777);
                out += m.readonly ? ":ro" : ":rw";
                // Never on the scratch disk: in a tmpfs mounted there.
                out += m.source.parent_path().parent_path() == tmp.path() ? ":under-scratch" : ":elsewhere";
            }
        }
        absent.required = true;
        try {
            PreparedMounts failing(op_with({absent}), {FileOpInput{}}, config, {});
        } catch (const mab::Error& e) {
            out += std::string(" | ") + e.what() + " | " + e.hint();
        }
        return out;
    });
    // Shallower targets first (a mount inside another's target comes after it).
    CHECK(got == "2 /e=from-env:400:ro:under-scratch /run/secrets/token=the-value:440:ro:under-scratch | "
                 "secret \"absent\" is required but was not provided | "
                 "give it with `mab build --secret id=absent,src=FILE` (or env=VAR)");
    // The tmpfs went with the mounts: nothing of the values is left on disk.
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(tmp.path()))
        CHECK(e.path().filename() == "token");
}
