#include "registry/reference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/error.hpp"

namespace mab::registry {

namespace {

constexpr std::string_view k_docker_domain = "docker.io";
constexpr size_t k_max_name_length = 255;

[[noreturn]] void fail(std::string_view text, std::string_view why) {
    throw Error(ErrorKind::usage, fmt::format("invalid reference \"{}\": {}", text, why));
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// path-component := alnum+ (separator alnum+)*, separator := [_.] | "__" | "-"+
bool valid_path_component(std::string_view c) {
    if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
    for (size_t i = 0; i < c.size();) {
        if (is_lower_alnum(c[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < c.size() && !is_lower_alnum(c[j])) ++j;
        std::string_view sep = c.substr(i, j - i);
        bool ok = sep == "." || sep == "_" || sep == "__" ||
                  sep.find_first_not_of('-') == std::string_view::npos;
        if (!ok) return false;
        i = j;
    }
    return true;
}

// domain := host[:port], host made of dot-separated alnum/- labels (or an IPv6 literal).
bool valid_domain(std::string_view d) {
    std::string_view host = d;
    size_t colon = d.rfind(':');
    if (!d.empty() && d.front() == '[') {
        size_t close = d.find(']');
        if (close == std::string_view::npos) return false;
        host = d.substr(0, close + 1);
        colon = d.find(':', close);
    } else if (colon != std::string_view::npos) {
        host = d.substr(0, colon);
    }
    if (colon != std::string_view::npos) {
        std::string_view port = d.substr(colon + 1);
        if (port.empty() || port.size() > 5) return false;
        for (char c : port)
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    if (host.empty()) return false;
    if (host.front() == '[') return true;
    for (char c : host)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    return host.front() != '.' && host.front() != '-' && host.back() != '.' && host.back() != '-';
}

bool valid_tag(std::string_view t) {
    if (t.empty() || t.size() > 128) return false;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (!word(t.front())) return false;
    for (char c : t)
        if (!word(c) && c != '.' && c != '-') return false;
    return true;
}

} // namespace

Reference Reference::parse(std::string_view text) {
    if (text.empty()) fail(text, "empty reference");
    Reference ref;
    std::string_view rest = text;

    if (size_t at = rest.find('@'); at != std::string_view::npos) {
        try {
            ref.digest = oci::Digest::parse(rest.substr(at + 1));
        } catch (const Error&) {
            fail(text, "invalid digest (expected sha256:<64 hex digits>)");
        }
        rest = rest.substr(0, at);
    }
    // A tag is after the last ':' that follows the last '/' (a port precedes a '/').
    size_t slash = rest.rfind('/');
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        ref.tag = std::string(rest.substr(colon + 1));
        rest = rest.substr(0, colon);
        if (!valid_tag(ref.tag)) fail(text, fmt::format("invalid tag \"{}\"", ref.tag));
    }
    if (rest.empty()) fail(text, "missing repository name");

    // The first component is a domain if it looks like one, as docker decides.
    std::string_view name = rest;
    size_t first_slash = name.find('/');
    if (first_slash != std::string_view::npos) {
        std::string_view first = name.substr(0, first_slash);
        if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
            first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
            ref.domain = std::string(first);
            name = name.substr(first_slash + 1);
        }
    }
    if (ref.domain.empty()) ref.domain = std::string(k_docker_domain);
    if (ref.domain == "index.docker.io") ref.domain = std::string(k_docker_domain);
    if (!valid_domain(ref.domain)) fail(text, fmt::format("invalid registry host \"{}\"", ref.domain));

    if (name.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos)
        fail(text, "repository name must be lowercase");
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find('/', start);
        if (end == std::string_view::npos) end = name.size();
        if (!valid_path_component(name.substr(start, end - start)))
            fail(text, "invalid repository name (lowercase letters, digits and separators . _ __ - only)");
        start = end + 1;
    }
    ref.path = std::string(name);
    if (ref.domain == k_docker_domain && ref.path.find('/') == std::string::npos)
        ref.path = "library/" + ref.path;
    if (ref.domain.size() + 1 + ref.path.size() > k_max_name_length)
        fail(text, "repository name must not be longer than 255 characters");
    if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
    return ref;
}

std::string Reference::str() const {
    std::string out = repository();
    if (!tag.empty()) out += ":" + tag;
    if (digest) out += "@" + digest->str();
    return out;
}

std::string Reference::familiar() const {
    std::string name = repository();
    if (domain == k_docker_domain) {
        name = path;
        if (name.rfind("library/", 0) == 0) name = name.substr(8);
    }
    if (!tag.empty()) name += ":" + tag;
    if (digest) name += "@" + digest->str();
    return name;
}

std::vector<RepositoryTags> group_by_repository(const std::vector<Reference>& refs) {
    std::vector<RepositoryTags> groups;
    for (const Reference& ref : refs) {
        auto same = [&](const RepositoryTags& g) { return g.repository.repository() == ref.repository(); };
        auto group = std::find_if(groups.begin(), groups.end(), same);
        if (group == groups.end()) group = groups.insert(groups.end(), RepositoryTags{ref, {}});
        if (!ref.tag.empty() && std::find(group->tags.begin(), group->tags.end(), ref.tag) == group->tags.end())
            group->tags.push_back(ref.tag);
    }
    return groups;
}

} // namespace mab::registry
