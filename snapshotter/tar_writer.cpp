// A small hand-written ustar/PAX writer rather than libarchive's: layer digests are
// cache keys and end up in published images, so every header byte must be ours to
// define and must not move when a libarchive update changes its output (it already
// writes LIBARCHIVE.xattr records beside SCHILY.xattr ones). The layout follows Go's
// archive/tar as used by BuildKit and moby: ustar headers (long names split into
// prefix/name where possible), a PAX 'x' header only for what ustar cannot hold
// (long or non-ASCII names, big ids/sizes/times, xattrs as SCHILY.xattr.*), octal
// fields zero-padded and NUL-terminated, and two zero blocks at the end with no
// padding to a 10 KiB record. Tests read the output back with libarchive.
#include "snapshotter/tar_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.hpp"
#include "snapshotter/dir_entries.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/file_meta.hpp"

namespace mab::snapshotter {

namespace {

constexpr size_t k_block = 512;
constexpr size_t k_chunk = 64 * 1024;
constexpr int64_t k_max_octal11 = 077777777777;  // 12-byte fields: size, mtime
constexpr int64_t k_max_octal7 = 07777777;       // 8-byte fields: uid, gid, devs

using Block = std::array<char, k_block>;

struct Entry {
    std::string name;
    char type = '0';
    uint32_t mode = 0;
    int64_t uid = 0;
    int64_t gid = 0;
    int64_t size = 0;
    int64_t mtime = 0;
    std::string linkname;
    uint64_t devmajor = 0;
    uint64_t devminor = 0;
    Xattrs xattrs;
};

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80 && c != '\0'; });
}

// Placeholder text for a header field whose real value is in a PAX record.
std::string ascii_only(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x80 && c != '\0') out += c;
    }
    return out.substr(0, std::min<size_t>(out.size(), 100));
}

void put_string(char* field, size_t width, std::string_view value) {
    std::memcpy(field, value.data(), std::min(width, value.size()));
}

// Zero-padded octal with a NUL terminator; 0 if it does not fit (PAX carries it).
void put_octal(char* field, size_t width, int64_t value) {
    if (value < 0) value = 0;
    for (size_t i = width - 1; i-- > 0;) {
        field[i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
    field[width - 1] = '\0';
}

// Device numbers have no PAX key: big ones use the GNU base-256 form.
void put_number_base256(char* field, size_t width, uint64_t value) {
    if (value <= static_cast<uint64_t>(k_max_octal7)) {
        put_octal(field, width, static_cast<int64_t>(value));
        return;
    }
    std::memset(field, 0, width);
    field[0] = static_cast<char>(0x80);
    for (size_t i = width; i-- > 1 && value != 0;) {
        field[i] = static_cast<char>(value & 0xff);
        value >>= 8;
    }
}

// Splits a long name into ustar prefix and name at a '/' (Go's splitUSTARPath).
bool split_ustar_name(std::string_view name, std::string_view& prefix, std::string_view& base) {
    if (name.size() <= 100 || !is_ascii(name)) return false;
    size_t length = name.size();
    if (length > 156) {
        length = 156;
    } else if (name[length - 1] == '/') {
        --length;
    }
    size_t i = name.substr(0, length).rfind('/');
    if (i == std::string_view::npos || i == 0) return false;
    size_t nlen = name.size() - i - 1;
    if (nlen == 0 || nlen > 100 || i > 155) return false;
    prefix = name.substr(0, i);
    base = name.substr(i + 1);
    return true;
}

std::string pax_record(const std::string& key, const std::string& value) {
    // "<len> <key>=<value>\n" where <len> counts itself.
    size_t rest = key.size() + value.size() + 3;  // ' ', '=', '\n'
    size_t len = rest + 1;
    while (std::to_string(len).size() + rest != len) len = std::to_string(len).size() + rest;
    return std::to_string(len) + " " + key + "=" + value + "\n";
}

// The name of the 'x' header of entry `name`: "<dir>/PaxHeaders.0/<base>", ASCII, cut
// to the 100-byte field (readers take the real name from the records).
std::string pax_header_name(std::string_view name) {
    while (!name.empty() && name.back() == '/') name.remove_suffix(1);
    size_t slash = name.rfind('/');
    std::string dir = slash == std::string_view::npos ? "" : std::string(name.substr(0, slash + 1));
    std::string base(slash == std::string_view::npos ? name : name.substr(slash + 1));
    return ascii_only(dir + "PaxHeaders.0/" + base);
}

void finish_checksum(Block& b) {
    std::memset(b.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (char c : b) sum += static_cast<unsigned char>(c);
    put_octal(b.data() + 148, 7, sum);  // six digits and a NUL ...
    b[155] = ' ';                       // ... then a space, as tradition has it
}

std::string strip_leading(std::string_view name) {
    while (true) {
        if (name.substr(0, 2) == "./") {
            name.remove_prefix(2);
        } else if (!name.empty() && name[0] == '/') {
            name.remove_prefix(1);
        } else {
            break;
        }
    }
    return std::string(name);
}

std::string whiteout_name(std::string_view name, std::string_view prefix) {
    std::string clean = strip_leading(name);
    while (!clean.empty() && clean.back() == '/') clean.pop_back();
    size_t slash = clean.rfind('/');
    if (slash == std::string::npos) return std::string(prefix) + clean;
    return clean.substr(0, slash + 1) + std::string(prefix) + clean.substr(slash + 1);
}

std::string read_link(const std::filesystem::path& path, size_t size_hint) {
    std::string target(size_hint + 1, '\0');
    for (;;) {
        ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
        if (n < 0) throw_errno("readlink", path.string());
        if (static_cast<size_t>(n) < target.size()) {
            target.resize(static_cast<size_t>(n));
            return target;
        }
        target.resize(target.size() * 2);
    }
}

} // namespace

struct TarWriter::Impl {
    oci::Sink& out;
    std::optional<int64_t> clamp_mtime;
    std::map<std::pair<dev_t, ino_t>, std::string> first_names;  // for hardlinks
    std::vector<char> buffer = std::vector<char>(k_chunk);
    bool finished = false;

    int64_t clamp(int64_t mtime) const {
        return clamp_mtime && mtime > *clamp_mtime ? *clamp_mtime : mtime;
    }

    void write_header(const Entry& e) {
        std::map<std::string, std::string> pax;
        Block b{};
        std::string_view prefix;
        std::string_view base;
        if (e.name.size() <= 100 && is_ascii(e.name)) {
            put_string(b.data(), 100, e.name);
        } else if (split_ustar_name(e.name, prefix, base)) {
            put_string(b.data(), 100, base);
            put_string(b.data() + 345, 155, prefix);
        } else {
            pax["path"] = e.name;
            put_string(b.data(), 100, ascii_only(e.name));
        }
        put_octal(b.data() + 100, 8, e.mode);
        if (e.uid > k_max_octal7) pax["uid"] = std::to_string(e.uid);
        put_octal(b.data() + 108, 8, e.uid > k_max_octal7 ? 0 : e.uid);
        if (e.gid > k_max_octal7) pax["gid"] = std::to_string(e.gid);
        put_octal(b.data() + 116, 8, e.gid > k_max_octal7 ? 0 : e.gid);
        if (e.size > k_max_octal11) pax["size"] = std::to_string(e.size);
        put_octal(b.data() + 124, 12, e.size > k_max_octal11 ? 0 : e.size);
        if (e.mtime < 0 || e.mtime > k_max_octal11) pax["mtime"] = std::to_string(e.mtime);
        put_octal(b.data() + 136, 12, e.mtime > k_max_octal11 ? 0 : e.mtime);
        b[156] = e.type;
        if (e.linkname.size() > 100 || !is_ascii(e.linkname)) {
            pax["linkpath"] = e.linkname;
        } else {
            put_string(b.data() + 157, 100, e.linkname);
        }
        put_string(b.data() + 257, 8, std::string_view("ustar\0" "00", 8));
        put_number_base256(b.data() + 329, 8, e.devmajor);
        put_number_base256(b.data() + 337, 8, e.devminor);
        for (const auto& [key, value] : e.xattrs) pax["SCHILY.xattr." + key] = value;

        if (!pax.empty()) write_pax_header(e, b, pax);
        finish_checksum(b);
        out.write(b.data(), b.size());
    }

    // The 'x' header copies the entry's ustar header (as Go does) with its own name,
    // type and size, then the records in key order.
    void write_pax_header(const Entry& e, const Block& entry_block,
                          const std::map<std::string, std::string>& records) {
        std::string data;
        for (const auto& [key, value] : records) data += pax_record(key, value);
        Block x = entry_block;
        std::memset(x.data(), 0, 100);
        std::memset(x.data() + 345, 0, 155);
        std::memset(x.data() + 157, 0, 100);
        put_string(x.data(), 100, pax_header_name(e.name));
        x[156] = 'x';
        put_octal(x.data() + 124, 12, static_cast<int64_t>(data.size()));
        finish_checksum(x);
        out.write(x.data(), x.size());
        write_padded(data.data(), data.size());
    }

    void write_padded(const char* data, size_t size) {
        out.write(data, size);
        pad(size);
    }

    void pad(uint64_t size) {
        static const Block k_zero{};
        size_t rest = static_cast<size_t>(size % k_block);
        if (rest != 0) out.write(k_zero.data(), k_block - rest);
    }

    void stream_file(int fd, int64_t size, const std::string& path) {
        int64_t left = size;
        while (left > 0) {
            size_t want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(k_chunk)));
            ssize_t n = ::read(fd, buffer.data(), want);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw_errno("read", path);
            if (n == 0) {
                throw Error(ErrorKind::io, "read " + path + ": file shrank while being archived");
            }
            out.write(buffer.data(), static_cast<size_t>(n));
            left -= n;
        }
        pad(static_cast<uint64_t>(size));
    }

    // One entry: `st` gives type, size, mtime and the inode (hardlinks); owner and
    // permission bits are passed apart so a caller may describe what is not on disk.
    // xattrs are read only for the first name of an inode.
    template <typename ReadXattrs>
    void add_entry(const std::string& name, const struct stat& st, uint32_t uid, uint32_t gid, mode_t perm,
                   const std::string& link_target, int data_fd, const std::string& display,
                   const ReadXattrs& read_entry_xattrs) {
        Entry e;
        e.name = strip_leading(name);
        e.mode = perm & 07777;
        e.uid = uid;
        e.gid = gid;
        e.mtime = clamp(st.st_mtim.tv_sec);
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
            auto key = std::make_pair(st.st_dev, st.st_ino);
            auto [it, inserted] = first_names.emplace(key, e.name);
            if (!inserted) {
                e.type = '1';
                e.linkname = it->second;
                write_header(e);
                return;
            }
        }
        e.xattrs = read_entry_xattrs();
        if (S_ISREG(st.st_mode)) {
            e.type = '0';
            e.size = st.st_size;
        } else if (S_ISDIR(st.st_mode)) {
            e.type = '5';
            if (e.name.empty() || e.name.back() != '/') e.name += '/';
        } else if (S_ISLNK(st.st_mode)) {
            e.type = '2';
            e.linkname = link_target;
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            e.type = S_ISCHR(st.st_mode) ? '3' : '4';
            e.devmajor = major(st.st_rdev);
            e.devminor = minor(st.st_rdev);
        } else if (S_ISFIFO(st.st_mode)) {
            e.type = '6';
        } else {
            throw Error(ErrorKind::io, "archive " + display + ": unsupported file type");
        }
        write_header(e);
        if (e.type == '0') {
            if (data_fd < 0) throw Error(ErrorKind::internal, "archive " + display + ": no data to read");
            stream_file(data_fd, e.size, display);
        }
    }

    void check_open() const {
        if (finished) throw Error(ErrorKind::internal, "tar writer used after finish()");
    }
};

TarWriter::TarWriter(oci::Sink& out, std::optional<int64_t> clamp_mtime)
    : m_impl(std::make_unique<Impl>(Impl{out, clamp_mtime, {}})) {}

TarWriter::~TarWriter() = default;

void TarWriter::add(const std::string& name, const std::filesystem::path& on_disk) {
    m_impl->check_open();
    struct stat st {};
    if (::lstat(on_disk.c_str(), &st) != 0) throw_errno("lstat", on_disk.string());
    if (S_ISSOCK(st.st_mode)) return;  // sockets cannot be archived (Docker skips them too)

    UniqueFd file;
    if (S_ISREG(st.st_mode)) {
        // Describe what we actually read: stat the opened file, not the path again.
        file.reset(::open(on_disk.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!file) throw_errno("open", on_disk.string());
        if (::fstat(file.get(), &st) != 0) throw_errno("stat", on_disk.string());
    }

    const std::string link_target =
        S_ISLNK(st.st_mode) ? read_link(on_disk, static_cast<size_t>(st.st_size)) : std::string();
    m_impl->add_entry(name, st, static_cast<uint32_t>(st.st_uid), static_cast<uint32_t>(st.st_gid), st.st_mode & 07777,
                      link_target, file ? file.get() : -1, on_disk.string(),
                      [&] { return read_xattrs(on_disk.string()); });
}

void TarWriter::add_described(const std::string& name, const struct stat& st, uint32_t uid, uint32_t gid,
                              mode_t perm, const std::string& link_target, int data_fd,
                              const std::string& display) {
    m_impl->check_open();
    if (S_ISSOCK(st.st_mode)) return;
    m_impl->add_entry(name, st, uid, gid, perm, link_target, data_fd, display, [] { return Xattrs{}; });
}

// Whiteouts are empty regular files with mode 0 and owner 0:0, as Docker and
// containerd write them. Their mtime is SOURCE_DATE_EPOCH when given (as BuildKit's
// differ does) and 0 otherwise, so they never make a layer depend on the clock.
void TarWriter::add_whiteout(const std::string& name) {
    m_impl->check_open();
    Entry e;
    e.name = whiteout_name(name, ".wh.");
    e.mtime = m_impl->clamp_mtime.value_or(0);
    m_impl->write_header(e);
}

void TarWriter::finish() {
    m_impl->check_open();
    static const std::array<char, 2 * k_block> k_end{};
    m_impl->out.write(k_end.data(), k_end.size());
    m_impl->finished = true;
    m_impl->out.finish();
}

namespace {


void write_dir(const std::filesystem::path& dir, const std::string& rel, const std::string& prefix,
               TarWriter& out) {
    for (const std::string& n : list_directory(dir)) {
        std::filesystem::path p = dir / n;
        std::string child = rel.empty() ? n : rel + "/" + n;
        out.add(prefix + child, p);
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) throw_errno("lstat", p.string());
        if (S_ISDIR(st.st_mode)) write_dir(p, child, prefix, out);
    }
}

} // namespace

// Depth first, each directory's names in byte order: the order of Go's filepath.Walk
// (and so of BuildKit/containerd), parents before children.
void write_tree_tar(const std::filesystem::path& root, const std::string& prefix, TarWriter& out) {
    write_dir(root, "", prefix, out);
}

} // namespace mab::snapshotter
