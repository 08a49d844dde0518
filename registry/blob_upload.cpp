#include "registry/blob_transfer.hpp"

#include <fmt/format.h>

#include "registry/retry.hpp"
#include "registry/url.hpp"

namespace mab::registry {

namespace {

// The upload URL an answer points to; a registry that sends none is broken.
std::string location_of(const HttpResponse& response, const std::string& what) {
    std::optional<std::string> location = response.header("location");
    if (!location || location->empty())
        throw Error(ErrorKind::registry, fmt::format("{}: the registry sent no upload location", what));
    return *location;
}

bool blob_exists(Endpoint& endpoint, const std::string& repository, const oci::Descriptor& blob,
                 const Scopes& scopes, const std::string& what) {
    RegistryRequest head;
    head.method = "HEAD";
    head.target = fmt::format("/v2/{}/blobs/{}", repository, blob.digest.str());
    head.follow_redirects = true;
    HttpResponse response = endpoint.send(head, scopes);
    if (response.ok()) return true;
    if (response.status == 404) return false;
    endpoint.fail(response, what, scopes);
}

// One upload session: from its Location to the final PUT. Returns false if a retryable
// failure broke it (the caller starts a new session).
bool upload_in_session(Endpoint& endpoint, std::string location, const oci::Descriptor& blob,
                       const std::filesystem::path& file, const Scopes& scopes, const std::string& what,
                       const BlobProgress& progress) {
    auto report = [&](int64_t done) {
        if (progress) progress(blob, static_cast<uint64_t>(done));
    };
    report(0);
    const Settings& settings = endpoint.settings();
    auto failed = [&](const HttpResponse& r) {
        if (is_retryable_status(r.status)) return true;
        endpoint.fail(r, what, scopes);
    };
    RegistryRequest put;
    put.method = "PUT";
    put.headers.push_back("Content-Type: application/octet-stream");
    if (blob.size > settings.chunked_upload_threshold) {
        const int64_t chunk = std::max<int64_t>(1, settings.upload_chunk_size);
        for (int64_t offset = 0; offset < blob.size; offset += chunk) {
            int64_t length = std::min(chunk, blob.size - offset);
            RegistryRequest patch;
            patch.method = "PATCH";
            patch.target = location;
            patch.headers = {"Content-Type: application/octet-stream",
                             fmt::format("Content-Range: {}-{}", offset, offset + length - 1)};
            patch.body = RequestBody::file_range(file, offset, length);
            HttpResponse r = endpoint.send(patch, scopes, {}, Retries::no);
            if (!r.ok()) return !failed(r);
            location = location_of(r, what);
            report(offset + length);
        }
        put.target = with_query(location, "digest=" + blob.digest.str());
    } else {
        put.target = with_query(location, "digest=" + blob.digest.str());
        put.body = RequestBody::file_range(file, 0, blob.size);
    }
    HttpResponse r = endpoint.send(put, scopes, {}, Retries::no);
    if (!r.ok()) return !failed(r);
    report(blob.size);
    return true;
}

} // namespace

UploadOutcome upload_blob(Endpoint& endpoint, const std::string& repository, const oci::Descriptor& blob,
                          const oci::ContentStore& store, const std::vector<std::string>& mount_from,
                          const BlobProgress& progress) {
    std::string what = fmt::format("pushing blob {} to {}/{}", blob.digest.str(), endpoint.host(), repository);
    Scopes scopes{{repository, "pull,push"}};
    if (blob_exists(endpoint, repository, blob, scopes, what)) return UploadOutcome::present;

    std::optional<std::string> session;   // an upload a refused mount opened for us
    for (const std::string& from : mount_from) {
        Scopes mount_scopes{{repository, "pull,push"}, {from, "pull"}};
        RegistryRequest mount;
        mount.method = "POST";
        mount.target = fmt::format("/v2/{}/blobs/uploads/?mount={}&from={}", repository, blob.digest.str(), from);
        HttpResponse r = endpoint.send(mount, mount_scopes);
        if (r.status == 201) return UploadOutcome::mounted;
        if (r.status == 202 && r.header("location")) {
            session = *r.header("location");
            break;
        }
        // Anything else (no access to `from`, an old registry): upload instead.
    }

    std::optional<int64_t> stored_size = store.size_of(blob.digest);
    if (!stored_size)
        throw Error(ErrorKind::registry, fmt::format("{}: the blob is neither in the registry nor in the local "
                                                     "content store", what));
    if (*stored_size != blob.size)
        throw Error(ErrorKind::registry, fmt::format("{}: the local blob has {} bytes, its descriptor says {}", what,
                                                     *stored_size, blob.size));

    const RetryPolicy& policy = endpoint.settings().retry;
    for (int attempt = 1;; ++attempt) {
        try {
            if (!session) {
                RegistryRequest start;
                start.method = "POST";
                start.target = fmt::format("/v2/{}/blobs/uploads/", repository);
                HttpResponse r = endpoint.send(start, scopes);
                if (r.status != 202) endpoint.fail(r, what, scopes);
                session = location_of(r, what);
            }
            if (upload_in_session(endpoint, *session, blob, store.path_of(blob.digest), scopes, what, progress))
                return UploadOutcome::uploaded;
        } catch (const TransportError& e) {
            if (!e.retryable() || attempt >= policy.max_attempts) throw;
        }
        if (attempt >= policy.max_attempts)
            throw Error(ErrorKind::registry, fmt::format("{}: gave up after {} tries", what, attempt));
        session.reset();   // a broken session is not resumed: start a new one
        sleep_for_retry(backoff_delay(policy, attempt));
    }
}

} // namespace mab::registry
