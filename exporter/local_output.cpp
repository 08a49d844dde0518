#include "exporter/local_output.hpp"

#include <filesystem>
#include <optional>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "exporter/output_file.hpp"
#include "exporter/write_meter.hpp"
#include "snapshotter/native_snapshotter.hpp"
#include "snapshotter/tar_writer.hpp"

namespace mab::exporter {

namespace fs = std::filesystem;

namespace {

// Moves the tree `from` into `to`, replacing entries of the same name and merging
// directories, as buildx's local exporter writes over an existing directory without
// deleting what else is there.
void merge_move(const fs::path& from, const fs::path& to) {
    for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
        fs::path target = to / entry.path().filename();
        std::error_code ec;
        fs::file_status existing = fs::symlink_status(target, ec);
        if (fs::exists(existing)) {
            if (fs::is_directory(existing) && entry.is_directory() && !entry.is_symlink()) {
                merge_move(entry.path(), target);
                continue;
            }
            remove_tree_forcefully(target);
        }
        fs::rename(entry.path(), target);
    }
}

// Passes the tar on to `out`, counting its bytes.
class MeteredSink : public oci::Sink {
public:
    MeteredSink(oci::Sink& out, WriteMeter& meter) : m_out(out), m_meter(meter) {}
    void write(const void* data, size_t size) override {
        m_out.write(data, size);
        m_meter.add(size);
    }
    void finish() override { m_out.finish(); }

private:
    oci::Sink& m_out;
    WriteMeter& m_meter;
};

} // namespace

void write_local_output(const ImageSet& images, const std::string& dest, const OutputProgress& progress) {
    if (dest == "-") throw Error(ErrorKind::usage, "output type local needs a directory: dest=- is not supported (use type=tar)");
    fs::path target(dest);
    fs::create_directories(target);
    // Build everything beside the destination first, so a failure leaves it untouched.
    TempDir staging(target, ".mab-local-");
    const bool per_platform = images.images.size() > 1;
    uint64_t total = 0;
    for (const PlatformImage& image : images.images) total += snapshotter::tree_file_bytes(image.rootfs);
    WriteMeter meter(progress, "copying files", total);
    for (const PlatformImage& image : images.images) {
        fs::path out = per_platform ? staging.path() / image.config.platform.dir_name()
                                    : staging.path() / "rootfs";
        snapshotter::copy_tree(image.rootfs, out, [&meter](uint64_t bytes) { meter.add(bytes); });
    }
    if (per_platform) {
        merge_move(staging.path(), target);
    } else {
        merge_move(staging.path() / "rootfs", target);
    }
    meter.finish();
}

void write_rootfs_tar_output(const ImageSet& images, const std::string& dest, int64_t mtime_clamp_or_negative,
                             const OutputProgress& progress) {
    OutputFile file(dest);
    FdSink out(file.fd());
    WriteMeter meter(progress, "sending tarball", std::nullopt);
    MeteredSink sink(out, meter);
    std::optional<int64_t> clamp;
    if (mtime_clamp_or_negative >= 0) clamp = mtime_clamp_or_negative;
    snapshotter::TarWriter tar(sink, clamp);
    const bool per_platform = images.images.size() > 1;
    for (const PlatformImage& image : images.images) {
        snapshotter::write_tree_tar(image.rootfs, per_platform ? image.config.platform.dir_name() + "/" : "", tar);
    }
    tar.finish();
    file.commit();
    meter.finish();
}

} // namespace mab::exporter
