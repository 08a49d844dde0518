#include "engine/ops/test_support.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace mab::engine::ops::test {

void write_file(const fs::path& p, const std::string& content, mode_t mode) {
    fs::create_directories(p.parent_path());
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        REQUIRE(out.good());
        out << content;
    }
    REQUIRE(::chmod(p.c_str(), mode) == 0);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool can_chown() {
    if (is_root()) return true;
    WARN("skipped: needs to run as root (or inside mab's user namespace) to set owners");
    return false;
}

graph::CopyAction copy_action(const std::string& src, const std::string& dest) {
    graph::CopyAction a;
    a.src = src;
    a.dest = dest;
    a.dest_is_dir = !dest.empty() && dest.back() == '/';
    return a;
}

CopyTrees::CopyTrees(const std::string& prefix)
    : tmp(fs::temp_directory_path(), prefix), ctx(tmp.path() / "ctx"), root(tmp.path() / "root") {
    make_dir(ctx);
    make_dir(root);
}

void make_dir(const fs::path& p, mode_t mode) {
    fs::create_directories(p);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
}

void make_symlink(const std::string& target, const fs::path& p) {
    fs::create_directories(p.parent_path());
    REQUIRE(::symlink(target.c_str(), p.c_str()) == 0);
}

void set_mtime(const fs::path& p, int64_t sec, long nsec) {
    timespec ts[2];
    ts[0].tv_sec = static_cast<time_t>(sec);
    ts[0].tv_nsec = nsec;
    ts[1] = ts[0];
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0);
}

struct stat lstat_of(const fs::path& p) {
    struct stat st {};
    INFO(p.string());
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

bool exists_nofollow(const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
}

bool is_root() { return ::geteuid() == 0; }

std::vector<TarEntry> read_layer(const oci::ContentStore& store, const snapshotter::Layer& layer) {
    const fs::path blob = store.path_of(layer.blob.digest);
    archive* a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    INFO(blob.string());
    REQUIRE(archive_read_open_filename(a, blob.c_str(), 65536) == ARCHIVE_OK);
    std::vector<TarEntry> out;
    archive_entry* e = nullptr;
    int r = ARCHIVE_OK;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        TarEntry t;
        t.name = archive_entry_pathname(e);
        while (!t.name.empty() && t.name.back() == '/') t.name.pop_back();
        t.mode = archive_entry_perm(e);
        t.uid = archive_entry_uid(e);
        t.gid = archive_entry_gid(e);
        t.mtime = archive_entry_mtime(e);
        t.mtime_nsec = archive_entry_mtime_nsec(e);
        if (const char* hl = archive_entry_hardlink(e)) {
            t.type = 'h';
            t.link = hl;
        } else {
            switch (archive_entry_filetype(e)) {
            case AE_IFREG: t.type = 'f'; break;
            case AE_IFDIR: t.type = 'd'; break;
            case AE_IFLNK:
                t.type = 'l';
                t.link = archive_entry_symlink(e);
                break;
            default: t.type = '?'; break;
            }
        }
        char buf[8192];
        for (;;) {
            la_ssize_t n = archive_read_data(a, buf, sizeof buf);
            REQUIRE(n >= 0);
            if (n == 0) break;
            t.data.append(buf, static_cast<size_t>(n));
        }
        out.push_back(std::move(t));
    }
    CHECK(r == ARCHIVE_EOF);
    archive_read_free(a);
    return out;
}

const TarEntry& entry_named(const std::vector<TarEntry>& entries, const std::string& name) {
    for (const TarEntry& e : entries) {
        if (e.name == name) return e;
    }
    FAIL("no layer entry " << name);
    throw;  // unreachable: FAIL throws
}

std::vector<std::string> entry_names(const std::vector<TarEntry>& entries) {
    std::vector<std::string> names;
    for (const TarEntry& e : entries) names.push_back(e.name);
    return names;
}

void write_tar(const fs::path& file, const std::vector<ArchiveEntry>& entries, bool gzip) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (gzip) archive_write_add_filter_gzip(a);
    REQUIRE(archive_write_open_filename(a, file.c_str()) == ARCHIVE_OK);
    for (const ArchiveEntry& in : entries) {
        archive_entry* e = archive_entry_new();
        const bool dir = !in.name.empty() && in.name.back() == '/';
        archive_entry_set_pathname(e, in.name.c_str());
        archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(e, in.mode);
        archive_entry_set_uid(e, in.uid);
        archive_entry_set_gid(e, in.gid);
        archive_entry_set_mtime(e, in.mtime, 0);
        archive_entry_set_size(e, dir ? 0 : static_cast<la_int64_t>(in.data.size()));
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        if (!dir && !in.data.empty()) {
            REQUIRE(archive_write_data(a, in.data.data(), in.data.size()) ==
                    static_cast<la_ssize_t>(in.data.size()));
        }
        archive_entry_free(e);
    }
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
}

} // namespace mab::engine::ops::test
