#include "snapshotter/test_support.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "base/error.hpp"
#include "snapshotter/file_meta.hpp"

namespace mab::snapshotter::test {

void MemorySink::write(const void* d, size_t size) {
    REQUIRE_FALSE(finished);
    data.append(static_cast<const char*>(d), size);
}

void write_file(const fs::path& p, const std::string& content, mode_t mode) {
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        REQUIRE(out);
        out << content;
    }
    REQUIRE(::chmod(p.c_str(), mode) == 0);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void make_dir(const fs::path& p, mode_t mode) {
    REQUIRE(::mkdir(p.c_str(), 0700) == 0);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
}

void make_symlink(const std::string& target, const fs::path& p) {
    REQUIRE(::symlink(target.c_str(), p.c_str()) == 0);
}

void set_mtime(const fs::path& p, int64_t sec, long nsec) {
    struct timespec times[2] = {{sec, nsec}, {sec, nsec}};
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

void set_xattr(const fs::path& p, const std::string& name, const std::string& value) {
    REQUIRE(::lsetxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0) == 0);
}

bool is_root() { return ::geteuid() == 0; }

namespace {

void describe_dir(const fs::path& root, const std::string& rel, DescribeOptions options,
                  std::map<std::string, std::string>& out,
                  std::map<std::pair<dev_t, ino_t>, std::string>& inodes) {
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(root / rel)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
        std::string child = rel.empty() ? n : rel + "/" + n;
        fs::path p = root / child;
        struct stat st {};
        REQUIRE(::lstat(p.c_str(), &st) == 0);
        std::ostringstream d;
        d << std::oct << (st.st_mode & 07777) << std::dec << " " << st.st_uid << ":" << st.st_gid;
        bool is_dir = S_ISDIR(st.st_mode);
        if (!is_dir || options.dir_mtimes) {
            d << " t=" << st.st_mtim.tv_sec;
            if (options.mtime_nsec) d << "." << st.st_mtim.tv_nsec;
        }
        if (S_ISREG(st.st_mode)) {
            d << " file[" << read_file(p) << "]";
            if (st.st_nlink > 1) {
                auto [it, inserted] = inodes.emplace(std::make_pair(st.st_dev, st.st_ino), child);
                d << " inode-of=" << it->second;
            }
        } else if (is_dir) {
            d << " dir";
        } else if (S_ISLNK(st.st_mode)) {
            d << " link->" << fs::read_symlink(p).string();
        } else if (S_ISFIFO(st.st_mode)) {
            d << " fifo";
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            d << (S_ISCHR(st.st_mode) ? " chr " : " blk ") << major(st.st_rdev) << ","
              << minor(st.st_rdev);
        } else {
            d << " other";
        }
        for (const auto& [k, v] : read_xattrs(p.string())) d << " xattr:" << k << "=" << v;
        out[child] = d.str();
        if (is_dir) describe_dir(root, child, options, out, inodes);
    }
}

char type_of(mode_t type, const char* hardlink) {
    if (hardlink != nullptr) return 'h';
    switch (type) {
    case AE_IFREG: return 'f';
    case AE_IFDIR: return 'd';
    case AE_IFLNK: return 'l';
    case AE_IFCHR: return 'c';
    case AE_IFBLK: return 'b';
    case AE_IFIFO: return 'p';
    default: return '?';
    }
}

std::string or_utf8(const char* mbs, const char* utf8) {
    if (mbs != nullptr) return mbs;
    REQUIRE(utf8 != nullptr);
    return utf8;
}

mode_t ae_type(char t) {
    switch (t) {
    case 'd': return AE_IFDIR;
    case 'l': return AE_IFLNK;
    case 'c': return AE_IFCHR;
    case 'b': return AE_IFBLK;
    case 'p': return AE_IFIFO;
    default: return AE_IFREG;
    }
}

} // namespace

std::map<std::string, std::string> describe_tree(const fs::path& root, DescribeOptions options) {
    std::map<std::string, std::string> out;
    std::map<std::pair<dev_t, ino_t>, std::string> inodes;
    describe_dir(root, "", options, out, inodes);
    return out;
}

std::vector<std::string> list_tree(const fs::path& root) {
    std::vector<std::string> out;
    for (const auto& [rel, desc] : describe_tree(root)) {
        out.push_back(rel + (desc.find(" dir") != std::string::npos ? "/" : ""));
    }
    return out;
}

std::vector<TarEntry> read_tar(const std::string& bytes) {
    struct archive* a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    REQUIRE(archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK);
    std::vector<TarEntry> out;
    struct archive_entry* entry = nullptr;
    int r = 0;
    // WARN: a UTF-8 name the C locale cannot represent; the _utf8 getters have it.
    while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        TarEntry e;
        e.name = or_utf8(archive_entry_pathname(entry), archive_entry_pathname_utf8(entry));
        e.type = type_of(archive_entry_filetype(entry), archive_entry_hardlink(entry));
        e.mode = archive_entry_perm(entry) & 07777;
        e.uid = archive_entry_uid(entry);
        e.gid = archive_entry_gid(entry);
        e.uname = archive_entry_uname(entry) ? archive_entry_uname(entry) : "";
        e.gname = archive_entry_gname(entry) ? archive_entry_gname(entry) : "";
        e.mtime = archive_entry_mtime(entry);
        e.mtime_nsec = archive_entry_mtime_nsec(entry);
        e.atime_set = archive_entry_atime_is_set(entry) != 0;
        e.ctime_set = archive_entry_ctime_is_set(entry) != 0;
        e.size = archive_entry_size(entry);
        if (e.type == 'h') e.link = or_utf8(archive_entry_hardlink(entry), archive_entry_hardlink_utf8(entry));
        if (e.type == 'l') e.link = or_utf8(archive_entry_symlink(entry), archive_entry_symlink_utf8(entry));
        e.rdev_major = static_cast<unsigned>(archive_entry_rdevmajor(entry));
        e.rdev_minor = static_cast<unsigned>(archive_entry_rdevminor(entry));
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        archive_entry_xattr_reset(entry);
        while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
            e.xattrs[name] = std::string(static_cast<const char*>(value), size);
        }
        char buf[4096];
        ssize_t n = 0;
        while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) e.data.append(buf, static_cast<size_t>(n));
        REQUIRE(n == 0);
        out.push_back(std::move(e));
    }
    const std::string error = archive_error_string(a) != nullptr ? archive_error_string(a) : "";
    INFO(error);
    REQUIRE(r == ARCHIVE_EOF);
    archive_read_free(a);
    return out;
}

std::vector<std::string> entry_names(const std::vector<TarEntry>& entries) {
    std::vector<std::string> out;
    for (const TarEntry& e : entries) out.push_back(e.name);
    return out;
}

void write_raw_tar(const fs::path& file, const std::vector<RawEntry>& entries,
                   RawCompression compression) {
    struct archive* a = archive_write_new();
    REQUIRE(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
    switch (compression) {
    case RawCompression::none: break;
    case RawCompression::gzip: REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK); break;
    case RawCompression::zstd: REQUIRE(archive_write_add_filter_zstd(a) == ARCHIVE_OK); break;
    case RawCompression::bzip2: REQUIRE(archive_write_add_filter_bzip2(a) == ARCHIVE_OK); break;
    case RawCompression::xz: REQUIRE(archive_write_add_filter_xz(a) == ARCHIVE_OK); break;
    }
    REQUIRE(archive_write_open_filename(a, file.c_str()) == ARCHIVE_OK);
    for (const RawEntry& r : entries) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, r.name.c_str());
        if (r.type == 'h') {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, r.link.c_str());
        } else {
            archive_entry_set_filetype(e, ae_type(r.type));
        }
        if (r.type == 'l') archive_entry_set_symlink(e, r.link.c_str());
        if (r.type == 'c' || r.type == 'b') archive_entry_set_rdev(e, makedev(1, 3));
        archive_entry_set_perm(e, r.mode);
        archive_entry_set_uid(e, r.uid);
        archive_entry_set_gid(e, r.gid);
        archive_entry_set_mtime(e, r.mtime, 0);
        for (const auto& [k, v] : r.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
        archive_entry_set_size(e, r.type == 'f' ? static_cast<la_int64_t>(r.data.size()) : 0);
        // WARN: a non-ASCII name in the C locale, written as raw bytes (hdrcharset=BINARY).
        int r_header = archive_write_header(a, e);
        REQUIRE((r_header == ARCHIVE_OK || r_header == ARCHIVE_WARN));
        if (r.type == 'f' && !r.data.empty()) {
            REQUIRE(archive_write_data(a, r.data.data(), r.data.size()) ==
                    static_cast<la_ssize_t>(r.data.size()));
        }
        archive_entry_free(e);
    }
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
}

} // namespace mab::snapshotter::test
