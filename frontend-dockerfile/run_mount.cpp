#include "frontend-dockerfile/run_mount.hpp"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <vector>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "frontend-dockerfile/command_line.hpp"

namespace mab::dockerfile {

namespace {

Error fail(const std::string& message) { return Error(ErrorKind::dockerfile, message); }

// One record of Go's encoding/csv: fields split on commas; a field that starts with a
// double quote is quoted ("" is a quote inside it); a quote elsewhere is an error.
std::vector<std::string> csv_fields(const std::string& value) {
    std::vector<std::string> fields;
    size_t i = 0;
    while (true) {
        std::string field;
        if (i < value.size() && value[i] == '"') {
            size_t column = i + 1;
            ++i;
            bool closed = false;
            while (i < value.size()) {
                if (value[i] == '"') {
                    if (i + 1 < value.size() && value[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                field += value[i++];
            }
            if (!closed || (i < value.size() && value[i] != ','))
                throw fail(fmt::format("failed to parse csv mounts: parse error on line 1, column {}: "
                                       "extraneous or missing \" in quoted-field", closed ? i + 1 : column));
        } else {
            while (i < value.size() && value[i] != ',') {
                if (value[i] == '"')
                    throw fail(fmt::format(
                        "failed to parse csv mounts: parse error on line 1, column {}: bare \" in non-quoted-field",
                        i + 1));
                field += value[i++];
            }
        }
        fields.push_back(std::move(field));
        if (i >= value.size()) break;
        ++i;  // the comma
    }
    return fields;
}

// strconv.ParseBool.
std::optional<bool> go_bool(const std::string& v) {
    if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
    if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
    return std::nullopt;
}

// strconv.ParseUint(v, base, 32).
std::optional<uint64_t> go_uint32(const std::string& v, int base) {
    if (v.empty() || v.size() > 12) return std::nullopt;
    uint64_t n = 0;
    for (char c : v) {
        int digit = c - '0';
        if (digit < 0 || digit >= base) return std::nullopt;
        n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    }
    if (n > UINT32_MAX) return std::nullopt;
    return n;
}

// go-units RAMInBytes: "64m", "1.5 GiB", "512" (binary multiples).
std::optional<int64_t> ram_in_bytes(const std::string& v) {
    static const std::regex k_size(R"(^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$)");
    std::smatch m;
    if (!std::regex_match(v, m, k_size)) return std::nullopt;
    double size = std::stod(m[1].str());
    std::string unit = to_lower(m[3].str());
    const std::string units = "kmgtp";
    if (!unit.empty()) size *= std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
    return static_cast<int64_t>(size);
}

const std::vector<std::string>& mount_types() {
    static const std::vector<std::string> k_types = {"bind", "cache", "tmpfs", "secret", "ssh"};
    return k_types;
}

bool has_variable(const std::string& value) {
    size_t dollar = value.find('$');
    return dollar != std::string::npos && dollar + 1 < value.size();
}

} // namespace

void check_run_mount_syntax(const std::string& value) {
    for (const std::string& field : csv_fields(value)) {
        size_t eq = field.find('=');
        if (eq == std::string::npos) continue;
        if (to_lower(field.substr(0, eq)) == "from" && has_variable(field.substr(eq + 1)))
            throw fail("'from' doesn't support variable expansion, define alias stage instead");
    }
}

RunMount parse_run_mount(const std::string& value, const std::function<std::string(const std::string&)>& expand) {
    RunMount m;
    bool readonly_default = true;
    auto bool_value = [](const std::string& key, const std::string& v) {
        std::optional<bool> b = go_bool(v);
        if (!b) throw fail(fmt::format("invalid value for {}: {}", key, v));
        return *b;
    };
    auto unexpected = [&m](const std::string& key) {
        return fail(fmt::format("unexpected key '{}' for mount type '{}'", key, m.type));
    };
    for (const std::string& field : csv_fields(value)) {
        size_t eq = field.find('=');
        std::string key = to_lower(field.substr(0, eq));
        if (eq == std::string::npos) {
            if (key == "readonly" || key == "ro") {
                m.readonly = true;
                readonly_default = false;
            } else if (key == "readwrite" || key == "rw") {
                m.readonly = false;
                readonly_default = false;
            } else if (key == "required") {
                if (m.type != "secret" && m.type != "ssh") throw unexpected(key);
                m.required = true;
            } else {
                throw fail(fmt::format("invalid field '{}' must be a key=value pair", field));
            }
            continue;
        }
        std::string v = expand(field.substr(eq + 1));
        if (key == "type") {
            std::string type = to_lower(v);
            if (std::find(mount_types().begin(), mount_types().end(), type) == mount_types().end())
                throw fail(with_suggestion(fmt::format("unsupported mount type \"{}\"", v), v, mount_types()));
            m.type = type;
        } else if (key == "from") {
            m.from = v;
        } else if (key == "source" || key == "src") {
            m.source = v;
        } else if (key == "target" || key == "dst" || key == "destination") {
            m.target = v;
        } else if (key == "readonly" || key == "ro") {
            m.readonly = bool_value(key, v);
            readonly_default = false;
        } else if (key == "readwrite" || key == "rw") {
            m.readonly = !bool_value(key, v);
            readonly_default = false;
        } else if (key == "required") {
            if (m.type != "secret" && m.type != "ssh") throw unexpected(key);
            m.required = bool_value(key, v);
        } else if (key == "size") {
            if (m.type != "tmpfs") throw unexpected(key);
            m.size = ram_in_bytes(v);
            if (!m.size) throw fail(fmt::format("invalid value for {}: {}", key, v));
        } else if (key == "id") {
            m.id = v;
        } else if (key == "sharing") {
            std::string sharing = to_lower(v);
            static const std::vector<std::string> k_sharing = {"shared", "private", "locked"};
            if (std::find(k_sharing.begin(), k_sharing.end(), sharing) == k_sharing.end())
                throw fail(with_suggestion(fmt::format("unsupported sharing value \"{}\"", v), v, k_sharing));
            m.sharing = sharing;
        } else if (key == "mode" || key == "uid" || key == "gid") {
            std::optional<uint64_t> n = go_uint32(v, key == "mode" ? 8 : 10);
            if (!n) throw fail(fmt::format("invalid value {} for {}", v, key));
            (key == "mode" ? m.mode : key == "uid" ? m.uid : m.gid) = n;
        } else {
            static const std::vector<std::string> k_keys = {"type", "from", "source", "target", "readonly", "id",
                                                            "sharing", "required", "mode", "uid", "gid", "src",
                                                            "dst", "ro", "rw", "readwrite"};
            throw fail(with_suggestion(fmt::format("unexpected key '{}' in '{}'", key, field), key, k_keys));
        }
    }
    // BuildKit's validateMount.
    if (m.type != "secret" && m.type != "ssh" && m.type != "cache") {
        for (const auto& [name, set] : {std::pair{"mode", m.mode.has_value()}, std::pair{"uid", m.uid.has_value()},
                                        std::pair{"gid", m.gid.has_value()}})
            if (set) throw fail(fmt::format("{} not allowed for \"{}\" type mounts", name, m.type));
    }
    if (readonly_default) m.readonly = m.type != "cache" && m.type != "tmpfs";
    if (m.type == "secret") {
        if (!m.from.empty()) throw fail("secret mount should not have a from");
        if (!m.sharing.empty()) throw fail("secret mount should not define sharing");
        if (m.source.empty() && m.target.empty() && m.id.empty())
            throw fail("invalid secret mount. one of source, target required");
        if (!m.source.empty() && !m.id.empty()) throw fail("both source and id can't be set");
    }
    if (!m.sharing.empty() && m.type != "cache")
        throw fail(fmt::format("invalid cache sharing set for {} mount", m.type));
    return m;
}

engine::graph::ExecMount to_exec_mount(const RunMount& mount, int ssh_index) {
    namespace graph = engine::graph;
    graph::ExecMount m;
    static const std::pair<const char*, graph::MountType> k_types[] = {{"bind", graph::MountType::bind},
                                                                       {"cache", graph::MountType::cache},
                                                                       {"tmpfs", graph::MountType::tmpfs},
                                                                       {"secret", graph::MountType::secret},
                                                                       {"ssh", graph::MountType::ssh}};
    for (const auto& [name, type] : k_types)
        if (mount.type == name) m.type = type;
    m.target = mount.target;
    m.source = mount.source;
    m.id = mount.id;
    m.readonly = mount.readonly;
    m.required = mount.required;
    if (mount.mode) m.mode = static_cast<uint32_t>(*mount.mode);
    if (mount.uid) m.uid = static_cast<uint32_t>(*mount.uid);
    if (mount.gid) m.gid = static_cast<uint32_t>(*mount.gid);
    m.size = mount.size;
    if (mount.sharing == "private") m.sharing = graph::CacheSharing::private_;
    if (mount.sharing == "locked") m.sharing = graph::CacheSharing::locked;
    auto base_name = [](const std::string& path) {
        size_t end = path.find_last_not_of('/');
        if (end == std::string::npos) return std::string("/");
        size_t slash = path.rfind('/', end);
        return path.substr(slash == std::string::npos ? 0 : slash + 1, end - (slash == std::string::npos ? 0 : slash + 1) + 1);
    };
    switch (m.type) {
    case graph::MountType::cache:
        if (m.id.empty()) m.id = m.target;
        break;
    case graph::MountType::secret:
        if (!mount.source.empty()) m.id = mount.source;
        m.source.clear();
        if (m.id.empty()) m.id = base_name(m.target);
        if (m.target.empty()) m.target = "/run/secrets/" + base_name(m.id);
        break;
    case graph::MountType::ssh:
        if (m.id.empty()) m.id = "default";
        if (m.target.empty()) m.target = fmt::format("/run/buildkit/ssh_agent.{}", ssh_index);
        break;
    case graph::MountType::bind:
    case graph::MountType::tmpfs:
        break;
    }
    // Secret and ssh targets are used as written; one that is not absolute is under /.
    if (!m.target.empty() && m.target[0] != '/') m.target = "/" + m.target;
    return m;
}

} // namespace mab::dockerfile
