#include "snapshotter/overlay.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/error.hpp"
#include "base/user_namespace_probe.hpp"
#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/layer_builder.hpp"

namespace mab::snapshotter {

namespace {

namespace fs = std::filesystem;

void make_directory(const fs::path& p, mode_t mode) {
    if (::mkdir(p.c_str(), mode) != 0) throw_errno("mkdir", p.string());
}

// The value of an overlay xattr in either namespace (user.* with userxattr,
// trusted.* for real root), nullopt if absent.
std::optional<std::string> overlay_xattr(const fs::path& p, const std::string& suffix) {
    for (const char* ns : {"user.overlay.", "trusted.overlay."}) {
        const std::string name = ns + suffix;
        char value[16];
        ssize_t n = ::lgetxattr(p.c_str(), name.c_str(), value, sizeof value);
        if (n >= 0) return std::string(value, static_cast<size_t>(n));
        if (errno == ERANGE) return std::string();  // present, long value
        if (errno != ENODATA && errno != ENOTSUP && errno != EPERM && errno != EACCES) {
            throw_errno("getxattr " + name, p.string());
        }
    }
    return std::nullopt;
}

bool is_whiteout(const fs::path& p, const struct stat& st) {
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) return true;
    // Since Linux 6.7 a whiteout may also be a regular file with this xattr.
    return S_ISREG(st.st_mode) && overlay_xattr(p, "whiteout").has_value();
}

class UpperDiffer {
public:
    UpperDiffer(const fs::path& upper, oci::ContentStore& store, const LayerOptions& options)
        : m_upper(upper), m_store(store), m_options(options) {}

    void walk(const std::string& rel) {
        for (const std::string& n : list_directory(m_upper / rel)) {
            const std::string child = rel.empty() ? n : rel + "/" + n;
            const fs::path p = m_upper / child;
            struct stat st {};
            if (::lstat(p.c_str(), &st) != 0) throw_errno("lstat", p.string());
            if (is_whiteout(p, st)) {
                tar().add_whiteout(child);
                continue;
            }
            tar().add(child, p);
            if (!S_ISDIR(st.st_mode)) continue;
            if (overlay_xattr(p, "opaque") == std::optional<std::string>("y")) {
                tar().add_opaque_marker(child);
            }
            walk(child);
        }
    }

    std::optional<Layer> finish() {
        if (!m_builder) return std::nullopt;
        return m_builder->finish();
    }

private:
    TarWriter& tar() {
        if (!m_builder) m_builder = std::make_unique<LayerBuilder>(m_store, m_options);
        return m_builder->tar();
    }

    fs::path m_upper;
    oci::ContentStore& m_store;
    const LayerOptions& m_options;
    std::unique_ptr<LayerBuilder> m_builder;
};

// overlay's option parser splits at ',' and lowerdir at ':'.
void check_mount_path(const fs::path& p) {
    if (p.string().find_first_of(",:\\") != std::string::npos) {
        throw Error(ErrorKind::input, "overlay: path " + p.string() +
                                          " contains ',', ':' or '\\', which overlay mount options cannot carry");
    }
}

void mount_overlay(const std::vector<fs::path>& lowers, const fs::path& upper, const fs::path& work,
                   const fs::path& merged) {
    std::string opts = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) {
        check_mount_path(lowers[i]);
        opts += (i == 0 ? "" : ":") + lowers[i].string();
    }
    check_mount_path(upper);
    check_mount_path(work);
    opts += ",upperdir=" + upper.string() + ",workdir=" + work.string();
    if (!in_initial_user_namespace()) opts += ",userxattr";
    const long page = ::sysconf(_SC_PAGESIZE);
    if (static_cast<long>(opts.size()) >= page) {
        throw Error(ErrorKind::input, "overlay mount of " + merged.string() + ": " +
                                          std::to_string(lowers.size()) +
                                          " lower directories make the options longer than a page");
    }
    if (::mount("overlay", merged.c_str(), "overlay", 0, opts.c_str()) != 0) {
        throw_errno("mount overlay", merged.string());
    }
}

void check_key(const std::string& key) {
    if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos) {
        throw Error(ErrorKind::input, "overlay snapshot key \"" + key + "\" is not a single name");
    }
}

} // namespace

OverlaySnapshotter::OverlaySnapshotter(fs::path dir) : m_dir(std::move(dir)) {
    fs::create_directories(m_dir);
}

fs::path OverlaySnapshotter::merged(const std::string& key) const { return m_dir / key / "merged"; }
fs::path OverlaySnapshotter::upper(const std::string& key) const { return m_dir / key / "upper"; }

bool OverlaySnapshotter::exists(const std::string& key) const {
    check_key(key);
    struct stat st {};
    return ::lstat((m_dir / key / "committed").c_str(), &st) == 0;
}

fs::path OverlaySnapshotter::prepare(const std::string& key, const std::vector<std::string>& parents) {
    check_key(key);
    std::vector<fs::path> lowers;
    for (const std::string& p : parents) {
        if (!exists(p)) {
            throw Error(ErrorKind::input, "overlay snapshot " + key + ": parent " + p + " is not committed");
        }
        lowers.push_back(upper(p));
    }
    const fs::path base = m_dir / key;
    if (::mkdir(base.c_str(), 0700) != 0) {
        if (errno == EEXIST) throw Error(ErrorKind::input, "overlay snapshot " + key + " already exists");
        throw_errno("mkdir", base.string());
    }
    make_directory(upper(key), 0755);
    make_directory(base / "work", 0700);
    make_directory(merged(key), 0755);
    if (lowers.empty()) {
        // overlay needs a lower directory: an empty one stands for "no parent".
        make_directory(base / "empty", 0755);
        lowers.push_back(base / "empty");
    }
    mount_overlay(lowers, upper(key), base / "work", merged(key));
    return merged(key);
}

void OverlaySnapshotter::unmount(const std::string& key) {
    check_key(key);
    const fs::path m = merged(key);
    if (::umount2(m.c_str(), UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT) {
        throw_errno("umount", m.string());
    }
}

void OverlaySnapshotter::commit(const std::string& key) {
    unmount(key);
    const fs::path marker = m_dir / key / "committed";
    UniqueFd fd(::open(marker.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    if (!fd) throw_errno("create", marker.string());
}

std::optional<Layer> OverlaySnapshotter::diff(const std::string& key, oci::ContentStore& store,
                                              const LayerOptions& options) const {
    check_key(key);
    return diff_overlay_upper(upper(key), store, options);
}

void OverlaySnapshotter::remove(const std::string& key) {
    unmount(key);
    const fs::path base = m_dir / key;
    // overlay leaves work/work with mode 0: make it listable for an unprivileged owner.
    ::chmod((base / "work" / "work").c_str(), 0700);
    fs::remove_all(base);
}

std::optional<Layer> diff_overlay_upper(const fs::path& upper, oci::ContentStore& store,
                                        const LayerOptions& options) {
    UpperDiffer differ(upper, store, options);
    differ.walk("");
    return differ.finish();
}

bool overlay_supported(const fs::path& dir) {
    try {
        TempDir probe(dir, ".overlay-probe-");
        const fs::path& p = probe.path();
        for (const char* d : {"lower", "upper", "work", "merged"}) make_directory(p / d, 0755);
        UniqueFd f(::open((p / "lower" / "probe").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        if (!f) return false;
        mount_overlay({p / "lower"}, p / "upper", p / "work", p / "merged");
        struct stat st {};
        const bool ok = ::lstat((p / "merged" / "probe").c_str(), &st) == 0;
        ::umount2((p / "merged").c_str(), UMOUNT_NOFOLLOW);
        ::chmod((p / "work" / "work").c_str(), 0700);
        return ok;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace mab::snapshotter
