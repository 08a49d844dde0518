// A deterministic tar stream: PAX format (ustar where possible), entries exactly in the
// order added, uid/gid/mode/mtime/xattrs/symlinks/hardlinks from the file on disk,
// no atime/ctime, uname/gname empty, device numbers only for device nodes, end-of-archive
// marker without padding to a 10 KiB record. Regular file data is streamed.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "oci/compression.hpp"

namespace mab::snapshotter {

class TarWriter {
public:
    // clamp_mtime: entries newer than this get this mtime (SOURCE_DATE_EPOCH).
    TarWriter(oci::Sink& out, std::optional<int64_t> clamp_mtime);
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;
    ~TarWriter();

    // Adds the file at `on_disk` (lstat, never followed) under `name` ("etc/passwd",
    // directories without a trailing slash). A second path with the same inode as an
    // earlier entry of this stream becomes a hardlink to it. Sockets are skipped.
    void add(const std::string& name, const std::filesystem::path& on_disk);
    // Adds an entry that is not on disk as the image will have it (a copy written
    // straight into a layer): type, size, mtime and, for files of several links, the
    // inode (a second entry of the same inode becomes a hardlink) come from `st`; owner
    // and permission bits are given. A regular file's data is read from `data_fd`, a
    // symlink's target is `link_target`. No xattrs. Sockets are skipped.
    void add_described(const std::string& name, const struct stat& st, uint32_t uid, uint32_t gid,
                       mode_t perm, const std::string& link_target, int data_fd,
                       const std::string& display);
    // Adds an empty regular file `<dir>/.wh.<base>` marking `name` deleted.
    void add_whiteout(const std::string& name);
    // Writes the end-of-archive blocks and finishes the sink.
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Writes the tree at `root` as a tar (depth first, each directory's names in byte
// order as Go's filepath.Walk; `prefix` + relative name, so a non-empty prefix ends
// in "/"; the root itself omitted) to `out`; used by the `tar` exporter.
void write_tree_tar(const std::filesystem::path& root, const std::string& prefix, TarWriter& out);

} // namespace mab::snapshotter
