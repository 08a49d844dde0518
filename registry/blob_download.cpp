#include "registry/blob_transfer.hpp"

#include <memory>

#include <fmt/format.h>

#include "registry/retry.hpp"

namespace mab::registry {

namespace {

// "bytes 100-199/200" -> 100; -1 if unreadable.
int64_t content_range_start(const std::string& value) {
    size_t space = value.find(' ');
    size_t dash = value.find('-');
    if (space == std::string::npos || dash == std::string::npos || dash < space) return -1;
    try {
        return std::stoll(value.substr(space + 1, dash - space - 1));
    } catch (const std::exception&) {
        return -1;
    }
}

} // namespace

void download_blob(Endpoint& endpoint, const std::string& repository, const oci::Descriptor& blob,
                   oci::ContentStore& store, const BlobProgress& progress) {
    if (store.has(blob.digest)) return;
    std::string what = fmt::format("blob {} from {}/{}", blob.digest.str(), endpoint.host(), repository);
    Scopes scopes{{repository, "pull"}};
    const RetryPolicy& policy = endpoint.settings().retry;
    auto writer = std::make_unique<oci::ContentStore::Writer>(store);

    int failures = 0;
    for (;;) {
        const int64_t offset = static_cast<int64_t>(writer->bytes());
        RegistryRequest request;
        request.target = fmt::format("/v2/{}/blobs/{}", repository, blob.digest.str());
        request.follow_redirects = true;
        if (offset > 0) request.headers.push_back(fmt::format("Range: bytes={}-", offset));

        bool first_chunk = true;
        BodySink sink = [&](const HttpResponse& head, const char* data, size_t size) {
            if (first_chunk) {
                first_chunk = false;
                if (head.status == 206) {
                    if (content_range_start(head.header("content-range").value_or("")) != offset)
                        throw Error(ErrorKind::registry, fmt::format("{}: the registry sent a range that was not "
                                                                     "asked for", what));
                } else if (writer->bytes() > 0) {
                    // The server ignored Range and sends everything: start over.
                    writer = std::make_unique<oci::ContentStore::Writer>(store);
                }
            }
            if (static_cast<int64_t>(writer->bytes() + size) > blob.size)
                throw Error(ErrorKind::registry, fmt::format("{}: more data than the {} bytes its descriptor says; "
                                                             "refusing it", what, blob.size));
            writer->write(data, size);
            if (progress) progress(blob, writer->bytes());
        };

        std::optional<std::chrono::milliseconds> wait;
        try {
            HttpResponse response = endpoint.send(request, scopes, sink, Retries::no);
            if (response.ok() && static_cast<int64_t>(writer->bytes()) == blob.size) break;
            if (response.status == 416) {
                writer = std::make_unique<oci::ContentStore::Writer>(store);   // our offset is wrong: restart
            } else if (!response.ok() && !is_retryable_status(response.status)) {
                endpoint.fail(response, what, scopes);
            }
            if (!response.ok()) wait = retry_delay(policy, failures + 1, retry_after_of(response));
        } catch (const TransportError& e) {
            if (!e.retryable()) throw;
            if (failures + 1 >= policy.max_attempts) {
                throw Error(ErrorKind::registry, fmt::format("{}: {} (gave up after {} tries)", what, e.what(),
                                                             failures + 1));
            }
        }
        // A try that brought data does not count against the limit: resume from there.
        failures = static_cast<int64_t>(writer->bytes()) > offset ? 0 : failures + 1;
        if (failures >= policy.max_attempts)
            throw Error(ErrorKind::registry, fmt::format("{}: gave up after {} tries", what, failures));
        sleep_for_retry(wait.value_or(backoff_delay(policy, std::max(1, failures))));
    }

    try {
        writer->commit(blob.media_type, blob.digest);
    } catch (const Error& e) {
        throw Error(ErrorKind::registry,
                    fmt::format("{} does not match its digest, so it was not stored: {}", what, e.what()));
    }
}

} // namespace mab::registry
