#include "engine/ops/user_lookup.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/ops/root_paths.hpp"

namespace mab::engine::ops {

namespace {

constexpr std::string_view k_passwd = "/etc/passwd";
constexpr std::string_view k_group = "/etc/group";

std::optional<uint32_t> parse_id(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The contents of an account file of the root, or nullopt if there is none.
std::optional<std::string> read_account_file(const snapshotter::RootFs& root, std::string_view path) {
    std::optional<RootEntry> entry = find_entry(root, path, Follow::yes);
    if (!entry) return std::nullopt;
    if (!S_ISREG(entry->st.st_mode)) {
        throw Error(ErrorKind::input, fmt::format("{} in the image is not a regular file", path));
    }
    const std::string display(path);
    UniqueFd fd = open_regular(entry->dir.get(), entry->name, display);
    std::string data;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read", display);
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (static_cast<int64_t>(data.size()) > k_max_account_file_size) {
            throw Error(ErrorKind::input,
                        fmt::format("{} in the image is larger than {} bytes; refusing to parse it",
                                    path, k_max_account_file_size));
        }
    }
    return data;
}

// The colon-separated fields of each line that has at least `min_fields`.
std::vector<std::vector<std::string_view>> parse_lines(std::string_view data, size_t min_fields) {
    std::vector<std::vector<std::string_view>> out;
    while (!data.empty()) {
        size_t eol = data.find('\n');
        std::string_view line = data.substr(0, eol);
        data = eol == std::string_view::npos ? std::string_view() : data.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string_view> fields;
        for (size_t start = 0;;) {
            size_t colon = line.find(':', start);
            fields.push_back(line.substr(start, colon == std::string_view::npos ? colon : colon - start));
            if (colon == std::string_view::npos) break;
            start = colon + 1;
        }
        if (fields.size() >= min_fields) out.push_back(std::move(fields));
    }
    return out;
}

struct PasswdEntry {
    std::string name;
    uint32_t uid = 0;
    uint32_t gid = 0;
};

// Finds a passwd entry by name (or by uid when `by_uid` is set).
std::optional<PasswdEntry> find_user(const std::string& data, std::string_view name,
                                     std::optional<uint32_t> by_uid) {
    for (const std::vector<std::string_view>& f : parse_lines(data, 4)) {
        std::optional<uint32_t> uid = parse_id(f[2]);
        std::optional<uint32_t> gid = parse_id(f[3]);
        if (!uid || !gid) continue;
        if (by_uid ? *uid == *by_uid : f[0] == name) return PasswdEntry{std::string(f[0]), *uid, *gid};
    }
    return std::nullopt;
}

std::optional<uint32_t> find_group(const std::string& data, std::string_view name) {
    for (const std::vector<std::string_view>& f : parse_lines(data, 3)) {
        if (f[0] != name) continue;
        if (std::optional<uint32_t> gid = parse_id(f[2])) return gid;
    }
    return std::nullopt;
}

// The gids of the /etc/group entries whose member list names `user`.
std::vector<uint32_t> groups_listing(const std::string& data, std::string_view user) {
    std::vector<uint32_t> out;
    for (const std::vector<std::string_view>& f : parse_lines(data, 4)) {
        std::optional<uint32_t> gid = parse_id(f[2]);
        if (!gid) continue;
        for (std::string_view members = f[3]; !members.empty();) {
            const size_t comma = members.find(',');
            if (members.substr(0, comma) == user) {
                out.push_back(*gid);
                break;
            }
            members = comma == std::string_view::npos ? std::string_view() : members.substr(comma + 1);
        }
    }
    return out;
}

// resolve_owner, also returning the passwd name of the user when an entry matched.
snapshotter::Ownership resolve(const graph::ChownSpec& spec, const snapshotter::RootFs& root,
                               std::optional<std::string>& account) {
    snapshotter::Ownership out;
    std::optional<uint32_t> primary_gid;
    if (!spec.user.empty()) {
        if (std::optional<uint32_t> uid = parse_id(spec.user)) {
            out.uid = *uid;
            if (spec.group.empty()) {
                std::optional<std::string> passwd = read_account_file(root, k_passwd);
                std::optional<PasswdEntry> entry;
                if (passwd) entry = find_user(*passwd, {}, *uid);
                primary_gid = entry ? entry->gid : *uid;
                if (entry) account = entry->name;
            }
        } else {
            std::optional<std::string> passwd = read_account_file(root, k_passwd);
            std::optional<PasswdEntry> entry;
            if (passwd) entry = find_user(*passwd, spec.user, std::nullopt);
            if (!entry) {
                throw Error(ErrorKind::input,
                            fmt::format("unable to find user {}: no matching entries in passwd file",
                                        spec.user));
            }
            out.uid = entry->uid;
            primary_gid = entry->gid;
            account = entry->name;
        }
    }
    if (spec.group.empty()) {
        out.gid = primary_gid.value_or(0);
    } else if (std::optional<uint32_t> gid = parse_id(spec.group)) {
        out.gid = *gid;
    } else {
        std::optional<std::string> group = read_account_file(root, k_group);
        std::optional<uint32_t> found;
        if (group) found = find_group(*group, spec.group);
        if (!found) {
            throw Error(ErrorKind::input,
                        fmt::format("unable to find group {}: no matching entries in group file",
                                    spec.group));
        }
        out.gid = *found;
    }
    return out;
}

} // namespace

snapshotter::Ownership resolve_owner(const graph::ChownSpec& spec, const snapshotter::RootFs& root) {
    std::optional<std::string> account;
    return resolve(spec, root, account);
}

RunUser resolve_run_user(const std::string& user, const snapshotter::RootFs& root) {
    graph::ChownSpec spec;
    const size_t colon = user.find(':');
    // No USER is root, asked for by uid so that its passwd name finds its groups.
    spec.user = user.empty() ? std::string("0") : user.substr(0, colon);
    if (colon != std::string::npos) spec.group = user.substr(colon + 1);
    std::optional<std::string> account;
    const snapshotter::Ownership ids = resolve(spec, root, account);
    RunUser out{ids.uid, ids.gid, {ids.gid}};
    if (!spec.group.empty() || !account) return out;
    std::optional<std::string> group = read_account_file(root, k_group);
    if (!group) return out;
    for (uint32_t gid : groups_listing(*group, *account))
        if (std::find(out.groups.begin(), out.groups.end(), gid) == out.groups.end()) out.groups.push_back(gid);
    return out;
}

std::optional<snapshotter::Ownership> resolve_owner(const std::optional<graph::ChownSpec>& spec,
                                                    const snapshotter::RootFs& root) {
    if (!spec) return std::nullopt;
    return resolve_owner(*spec, root);
}

} // namespace mab::engine::ops
