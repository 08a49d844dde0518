#include "engine/ops/http_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/unique_fd.hpp"
#include "oci/digest.hpp"

namespace mab::engine::ops {

namespace {

void write_all(int fd, const char* data, size_t size, const std::filesystem::path& path) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write", path.string());
        data += n;
        size -= static_cast<size_t>(n);
    }
}

void download_to(const graph::HttpSource& source, const registry::HttpTransport& http,
                 const std::filesystem::path& file) {
    // 0600 whatever the umask: the copy that follows applies --chmod, else keeps it (BuildKit).
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw_errno("open", file.string());
    if (::fchmod(fd.get(), 0600) != 0) throw_errno("fchmod", file.string());

    registry::HttpRequest request;
    request.url = source.url;
    request.follow_redirects = true;
    oci::Sha256 hash;
    registry::HttpResponse response =
        http.perform(request, [&](const registry::HttpResponse&, const char* data, size_t size) {
            hash.update(data, size);
            write_all(fd.get(), data, size, file);
        });
    const std::string shown = registry::url_for_message(source.url);
    if (!response.ok())
        throw Error(ErrorKind::input, fmt::format("{}: invalid response status {}", shown, response.status));
    oci::Digest got = hash.finish();
    if (source.checksum && *source.checksum != got)
        throw Error(ErrorKind::input, fmt::format("{}: digest mismatch: --checksum={} but the downloaded content "
                                                  "is {}",
                                                  shown, source.checksum->str(), got.str()));

    int64_t mtime = 0;
    if (std::optional<std::string> modified = response.header("Last-Modified"))
        mtime = registry::parse_http_date(*modified).value_or(0);
    const struct timespec times[2] = {{static_cast<time_t>(mtime), 0}, {static_cast<time_t>(mtime), 0}};
    if (::futimens(fd.get(), times) != 0) throw_errno("futimens", file.string());
}

} // namespace

void download_http_source(const graph::HttpSource& source, const registry::HttpTransport& http,
                          const std::filesystem::path& rootfs) {
    if (source.filename.empty() || source.filename == "." || source.filename == ".." ||
        source.filename.find('/') != std::string::npos)
        throw Error(ErrorKind::internal, fmt::format("HTTP source file name \"{}\"", source.filename));
    const std::filesystem::path file = rootfs / source.filename;
    try {
        download_to(source, http, file);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);  // the snapshot is dropped too; don't leave half a file
        throw;
    }
}

} // namespace mab::engine::ops
