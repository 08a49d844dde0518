#include "registry/manifests.hpp"

#include <rapidjson/document.h>

#include <fmt/format.h>

#include "oci/media_types.hpp"

namespace mab::registry {

namespace mt = oci::media_type;

namespace {

constexpr size_t k_max_manifest_size = 4 << 20;

bool is_known_media_type(std::string_view t) {
    return t == mt::k_oci_index || t == mt::k_docker_manifest_list || t == mt::k_oci_manifest ||
           t == mt::k_docker_manifest;
}

std::string accept_header() {
    return fmt::format("Accept: {}, {}, {}, {}", mt::k_oci_index, mt::k_docker_manifest_list, mt::k_oci_manifest,
                       mt::k_docker_manifest);
}

// The document's media type: Content-Type if it is one we asked for, else the JSON's
// own mediaType, else what its members say (an OCI index has "manifests").
std::string media_type_of(const HttpResponse& response, const std::string& what) {
    std::string content_type = response.header("content-type").value_or("");
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && content_type.back() == ' ') content_type.pop_back();
    if (is_known_media_type(content_type)) return content_type;

    rapidjson::Document doc;
    doc.Parse(response.body.c_str(), response.body.size());
    if (doc.HasParseError() || !doc.IsObject())
        throw Error(ErrorKind::registry, fmt::format("{}: the answer is not a JSON manifest", what));
    if (doc.HasMember("schemaVersion") && doc["schemaVersion"].IsInt() && doc["schemaVersion"].GetInt() == 1)
        throw Error(ErrorKind::registry,
                    fmt::format("{}: Docker schema 1 manifests are not supported (push the image again with a "
                                "current client)", what));
    if (doc.HasMember("mediaType") && doc["mediaType"].IsString()) {
        std::string declared = doc["mediaType"].GetString();
        if (is_known_media_type(declared)) return declared;
    }
    if (doc.HasMember("manifests")) return std::string(mt::k_oci_index);
    if (doc.HasMember("layers") && doc.HasMember("config")) return std::string(mt::k_oci_manifest);
    throw Error(ErrorKind::registry,
                fmt::format("{}: unsupported manifest type \"{}\"", what, content_type.empty() ? "none" : content_type));
}

} // namespace

bool is_index_media_type(std::string_view media_type) {
    return media_type == mt::k_oci_index || media_type == mt::k_docker_manifest_list;
}

FetchedManifest fetch_manifest(Endpoint& endpoint, const std::string& repository, const std::string& reference,
                               const std::optional<oci::Digest>& expected) {
    std::string what = fmt::format("manifest {}/{}{}{}", endpoint.host(), repository,
                                   reference.find(':') == std::string::npos ? ":" : "@", reference);
    Scopes scopes{{repository, "pull"}};
    RegistryRequest request;
    request.target = fmt::format("/v2/{}/manifests/{}", repository, reference);
    request.headers.push_back(accept_header());
    HttpResponse response = endpoint.send(request, scopes);
    if (!response.ok()) endpoint.fail(response, what, scopes);
    if (response.body.size() > k_max_manifest_size)
        throw Error(ErrorKind::registry, fmt::format("{}: larger than 4 MiB", what));

    FetchedManifest out;
    out.descriptor.media_type = media_type_of(response, what);
    out.descriptor.digest = oci::sha256_of(response.body);
    out.descriptor.size = static_cast<int64_t>(response.body.size());
    if (expected && *expected != out.descriptor.digest)
        throw Error(ErrorKind::registry, fmt::format("{}: content does not match its digest (it hashes to {})", what,
                                                     out.descriptor.digest.str()));
    if (std::optional<std::string> announced = response.header("docker-content-digest");
        announced && announced->rfind("sha256:", 0) == 0 && *announced != out.descriptor.digest.str())
        throw Error(ErrorKind::registry, fmt::format("{}: content hashes to {}, but the registry says {}", what,
                                                     out.descriptor.digest.str(), *announced));
    out.bytes = std::move(response.body);
    return out;
}

void put_manifest(Endpoint& endpoint, const std::string& repository, const std::string& reference,
                  const oci::Descriptor& descriptor, const std::string& bytes) {
    std::string what = fmt::format("pushing manifest {} to {}/{}:{}", descriptor.digest.str(), endpoint.host(),
                                   repository, reference);
    Scopes scopes{{repository, "pull,push"}};
    RegistryRequest request;
    request.method = "PUT";
    request.target = fmt::format("/v2/{}/manifests/{}", repository, reference);
    request.headers.push_back("Content-Type: " + descriptor.media_type);
    request.body = RequestBody::text(bytes);
    HttpResponse response = endpoint.send(request, scopes);
    if (!response.ok()) endpoint.fail(response, what, scopes);
    if (std::optional<std::string> announced = response.header("docker-content-digest");
        announced && announced->rfind("sha256:", 0) == 0 && *announced != descriptor.digest.str())
        throw Error(ErrorKind::registry, fmt::format("{}: the registry stored it as {}", what, *announced));
}

} // namespace mab::registry
