// Image references ("busybox", "localhost:5000/app:1", "reg.io/a/b@sha256:…") parsed
// and normalised the way docker's distribution/reference does:
// "busybox" -> "docker.io/library/busybox:latest".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.hpp"

namespace mab::registry {

struct Reference {
    std::string domain;   // "docker.io", "localhost:5000"
    std::string path;     // "library/busybox"
    std::string tag;      // "latest"; empty if only a digest was given
    std::optional<oci::Digest> digest;

    // Parses and normalises; a name with no tag and no digest gets "latest".
    // Bad references throw Error(usage) naming the text and what is wrong.
    static Reference parse(std::string_view text);

    std::string repository() const { return domain + "/" + path; }   // docker.io/library/busybox
    std::string str() const;           // docker.io/library/busybox:latest[@sha256:…]
    std::string familiar() const;      // busybox:latest (docker's short form)
};

// A repository to push one image to, with every tag it gets there.
struct RepositoryTags {
    Reference repository;           // its tag and digest are not used
    std::vector<std::string> tags;
};

// `refs` grouped by repository (first-seen order), each tag once, so an image goes to
// each repository with one push. Digests are ignored; a digest-only reference adds no tag.
std::vector<RepositoryTags> group_by_repository(const std::vector<Reference>& refs);

} // namespace mab::registry
