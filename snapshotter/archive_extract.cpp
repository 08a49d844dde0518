#include "snapshotter/archive_extract.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/entry_writer.hpp"

// Limits: libarchive (3.6) itself refuses PAX and GNU long-name headers over 1 MiB
// ("Special header too large"), which is the cap SECURITY.md asks for; we do not
// re-implement it.

namespace mab::snapshotter {

namespace {

// The compressions Docker's ADD recognises (gzip, bzip2, xz, zstd) and tar only: no
// other filter, so no external decompressor program ever runs on build input.
ArchiveReader new_reader() {
    ArchiveReader a(archive_read_new());
    if (!a) throw Error(ErrorKind::internal, "archive_read_new failed");
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    return a;
}

UniqueFd open_file(const std::filesystem::path& file) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open", file.string());
    return fd;
}

} // namespace

bool is_tar_archive(const std::filesystem::path& file) {
    UniqueFd fd = open_file(file);
    ArchiveReader a = new_reader();
    if (archive_read_open_fd(a.get(), fd.get(), 64 * 1024) != ARCHIVE_OK) return false;
    struct archive_entry* entry = nullptr;
    int r = archive_read_next_header(a.get(), &entry);
    return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

void extract_tar(const std::filesystem::path& archive, RootFs& root, const std::string& dest_dir,
                 const ExtractOptions& options) {
    const std::string display = "extract " + archive.string();
    EntryWriterOptions wo;
    wo.chown = options.chown;
    wo.preserve_owners = options.preserve_owners;
    wo.clamp_mtime = options.source_date_epoch;
    EntryWriter writer(root, dest_dir, wo, display);
    root.mkdir_all(writer.dest(), 0755, options.chown);

    UniqueFd fd = open_file(archive);
    ArchiveReader a = new_reader();
    if (archive_read_open_fd(a.get(), fd.get(), 64 * 1024) != ARCHIVE_OK) {
        throw Error(ErrorKind::input, display + ": " + archive_error(a.get()));
    }
    struct archive_entry* entry = nullptr;
    for (;;) {
        int r = archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            throw Error(ErrorKind::input, display + ": " + archive_error(a.get()));
        }
        writer.write(a.get(), entry);
    }
    writer.finish();
}

} // namespace mab::snapshotter
