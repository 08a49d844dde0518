#include "cli/bake_file.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/suggest.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> k_target_keys{"context", "dockerfile", "args", "labels", "tags", "cache-from",
                                             "cache-to", "target", "platforms", "output", "pull", "no-cache",
                                             "inherits"};

Error json_error(const std::string& file, const std::string& path, const std::string& message) {
    return Error(ErrorKind::input, fmt::format("{}: {}: {}", file, path, message));
}

// `${NAME}` replaced by the variable's value; `$${` is a literal "${". Compose's
// `${NAME:-default}` (empty or unset: default) is read too. `lookup` returns nullopt for
// an unknown name, which `unknown` turns into an error (or "" when it returns).
std::string interpolate(const std::string& text, const std::function<std::optional<std::string>(const std::string&)>& lookup,
                        const std::function<void(const std::string&)>& unknown) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 2;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out += text[i];
            continue;
        }
        size_t close = text.find('}', i + 2);
        if (close == std::string::npos) {
            out += text.substr(i);
            break;
        }
        std::string name = text.substr(i + 2, close - i - 2);
        std::optional<std::string> fallback;
        if (size_t sep = name.find(":-"); sep != std::string::npos) {
            fallback = name.substr(sep + 2);
            name = name.substr(0, sep);
        }
        std::optional<std::string> value = lookup(name);
        if ((!value || value->empty()) && fallback) value = fallback;
        if (!value) unknown(name);
        out += value.value_or("");
        i = close;
    }
    return out;
}

// --- JSON ---------------------------------------------------------------------------

class JsonReader {
public:
    JsonReader(std::string file, std::map<std::string, std::string> variables)
        : m_file(std::move(file)), m_variables(std::move(variables)) {}

    std::string string(const rapidjson::Value& v, const std::string& path) const {
        // Numbers and booleans are their text, as buildx reads {"args": {"V": 2}}.
        if (v.IsInt64()) return std::to_string(v.GetInt64());
        if (v.IsBool()) return v.GetBool() ? "true" : "false";
        if (!v.IsString()) throw json_error(m_file, path, "expected a string");
        return interpolate(
            v.GetString(),
            [this](const std::string& name) -> std::optional<std::string> {
                auto it = m_variables.find(name);
                if (it == m_variables.end()) return std::nullopt;
                return it->second;
            },
            [this, &path](const std::string& name) {
                std::vector<std::string> known;
                for (const auto& [k, value] : m_variables) known.push_back(k);
                throw json_error(m_file, path,
                                 with_suggestion(fmt::format("undefined variable \"{}\"", name), name, known))
                    .with_hint("define it under \"variable\": {\"" + name + "\": {\"default\": \"…\"}}");
            });
    }

    std::vector<std::string> strings(const rapidjson::Value& v, const std::string& path) const {
        if (!v.IsArray()) throw json_error(m_file, path, "expected a list of strings");
        std::vector<std::string> out;
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            out.push_back(string(v[i], fmt::format("{}[{}]", path, i)));
        return out;
    }

    std::map<std::string, std::string> string_map(const rapidjson::Value& v, const std::string& path) const {
        if (!v.IsObject()) throw json_error(m_file, path, "expected an object of strings");
        std::map<std::string, std::string> out;
        for (const auto& member : v.GetObject()) {
            const std::string key = member.name.GetString();
            if (member.value.IsNull()) continue;  // buildx: a null arg is left unset
            out[key] = string(member.value, path + "." + key);
        }
        return out;
    }

    bool boolean(const rapidjson::Value& v, const std::string& path) const {
        if (v.IsBool()) return v.GetBool();
        if (v.IsString()) {
            const std::string text = string(v, path);
            if (text == "true" || text == "1") return true;
            if (text == "false" || text == "0" || text.empty()) return false;
        }
        throw json_error(m_file, path, "expected true or false");
    }

    BakeTarget target(const rapidjson::Value& v, const std::string& path) const {
        if (!v.IsObject()) throw json_error(m_file, path, "expected an object");
        BakeTarget t;
        t.origin = m_file;
        for (const auto& member : v.GetObject()) {
            const std::string key = member.name.GetString();
            const std::string at = path + "." + key;
            const rapidjson::Value& value = member.value;
            if (key == "context") t.context = string(value, at);
            else if (key == "dockerfile") t.dockerfile = string(value, at);
            else if (key == "args") t.args = string_map(value, at);
            else if (key == "labels") t.labels = string_map(value, at);
            else if (key == "tags") t.tags = strings(value, at);
            else if (key == "cache-from") t.cache_from = strings(value, at);
            else if (key == "cache-to") t.cache_to = strings(value, at);
            else if (key == "target") t.target = string(value, at);
            else if (key == "platforms") t.platforms = strings(value, at);
            else if (key == "output") t.output = strings(value, at);
            else if (key == "pull") t.pull = boolean(value, at);
            else if (key == "no-cache") t.no_cache = boolean(value, at);
            else if (key == "inherits") t.inherits = strings(value, at);
            else
                throw json_error(m_file, at, with_suggestion("unknown target attribute", key, k_target_keys))
                    .with_hint("mab bake reads: " + fmt::format("{}", fmt::join(k_target_keys, ", ")));
        }
        return t;
    }

private:
    std::string m_file;
    std::map<std::string, std::string> m_variables;
};

std::map<std::string, std::string> json_variables(const rapidjson::Value& root, const std::string& file,
                                                  const EnvLookup& env) {
    std::map<std::string, std::string> out;
    if (!root.HasMember("variable")) return out;
    const rapidjson::Value& variables = root["variable"];
    if (!variables.IsObject()) throw json_error(file, "variable", "expected an object of variables");
    for (const auto& member : variables.GetObject()) {
        const std::string name = member.name.GetString();
        const std::string path = "variable." + name;
        if (!member.value.IsObject()) throw json_error(file, path, "expected an object such as {\"default\": \"…\"}");
        std::string value;
        if (member.value.HasMember("default")) {
            const rapidjson::Value& d = member.value["default"];
            if (d.IsString()) value = d.GetString();
            else if (d.IsBool()) value = d.GetBool() ? "true" : "false";
            else if (d.IsInt64()) value = std::to_string(d.GetInt64());
            else if (!d.IsNull()) throw json_error(file, path + ".default", "expected a string, number or boolean");
        }
        // The environment overrides a default, as in buildx.
        if (std::optional<std::string> from_env = env(name)) value = *from_env;
        out[name] = value;
    }
    return out;
}

// --- compose ------------------------------------------------------------------------

class ComposeReader {
public:
    ComposeReader(std::string file, EnvLookup env) : m_file(std::move(file)), m_env(std::move(env)) {}

    Error error(const YAML::Node& node, const std::string& where, const std::string& message) const {
        const int line = node.Mark().line + 1;
        return Error(ErrorKind::input, fmt::format("{}: {}", where, message), SourceSpan{m_file, line, line});
    }

    std::string string(const YAML::Node& node, const std::string& where) const {
        if (!node.IsScalar()) throw error(node, where, "expected a string");
        return interpolate(node.as<std::string>(), m_env, [](const std::string&) {});
    }

    std::vector<std::string> strings(const YAML::Node& node, const std::string& where) const {
        if (node.IsScalar()) return {string(node, where)};
        if (!node.IsSequence()) throw error(node, where, "expected a list of strings");
        std::vector<std::string> out;
        for (const YAML::Node& item : node) out.push_back(string(item, where));
        return out;
    }

    // A map, or a list of KEY=VALUE (a KEY alone takes the environment's value, and is
    // left out when the environment has none), as compose reads args and labels.
    std::map<std::string, std::string> string_map(const YAML::Node& node, const std::string& where) const {
        std::map<std::string, std::string> out;
        if (node.IsMap()) {
            for (const auto& item : node)
                out[item.first.as<std::string>()] = item.second.IsNull() ? "" : string(item.second, where);
            return out;
        }
        if (!node.IsSequence()) throw error(node, where, "expected a map or a list of KEY=VALUE");
        for (const YAML::Node& item : node) {
            const std::string entry = string(item, where);
            const size_t eq = entry.find('=');
            if (eq != std::string::npos) {
                out[entry.substr(0, eq)] = entry.substr(eq + 1);
            } else if (std::optional<std::string> value = m_env(entry)) {
                out[entry] = *value;
            }
        }
        return out;
    }

    BakeTarget service(const std::string& name, const YAML::Node& service) const {
        const std::string where = fmt::format("service \"{}\"", name);
        BakeTarget t;
        t.origin = fmt::format("{} service \"{}\"", m_file, name);
        const YAML::Node build = service["build"];
        if (build.IsScalar()) {
            t.context = string(build, where + " build");
        } else if (build.IsMap()) {
            for (const auto& item : build) {
                const std::string key = item.first.as<std::string>();
                const std::string at = where + " build." + key;
                const YAML::Node& value = item.second;
                if (key == "context") t.context = string(value, at);
                else if (key == "dockerfile") t.dockerfile = string(value, at);
                else if (key == "args") t.args = string_map(value, at);
                else if (key == "labels") t.labels = string_map(value, at);
                else if (key == "target") t.target = string(value, at);
                else if (key == "platforms") t.platforms = strings(value, at);
                else if (key == "tags") t.tags = strings(value, at);
                else if (key == "cache_from") t.cache_from = strings(value, at);
                else if (key == "cache_to") t.cache_to = strings(value, at);
                else if (key == "no_cache") t.no_cache = value.as<bool>();
                else if (key == "pull") t.pull = value.as<bool>();
                // Other compose build keys (secrets, ssh, network, x-bake …) are not read.
            }
        } else {
            throw error(build, where + " build", "expected a context path or a map");
        }
        if (!t.context) t.context = ".";
        if (const YAML::Node image = service["image"]) {
            std::vector<std::string> tags{string(image, where + " image")};
            if (t.tags) tags.insert(tags.end(), t.tags->begin(), t.tags->end());
            t.tags = tags;
        }
        return t;
    }

private:
    std::string m_file;
    EnvLookup m_env;
};

template <typename T>
void set_if(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

} // namespace

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* value = std::getenv(name.c_str())) return std::string(value);
        return std::nullopt;
    };
}

BakeDefinition parse_bake_json(const std::string& text, const std::string& file, const EnvLookup& env) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError())
        throw Error(ErrorKind::input, fmt::format("{}: invalid JSON at offset {}: {}", file, doc.GetErrorOffset(),
                                                  rapidjson::GetParseError_En(doc.GetParseError())));
    if (!doc.IsObject()) throw Error(ErrorKind::input, file + ": expected a JSON object with \"target\" and \"group\"");
    for (const auto& member : doc.GetObject()) {
        const std::string key = member.name.GetString();
        if (key != "target" && key != "group" && key != "variable")
            throw json_error(file, key, with_suggestion("unknown top-level key", key, {"target", "group", "variable"}));
    }
    const JsonReader reader(file, json_variables(doc, file, env));
    BakeDefinition out;
    if (doc.HasMember("target")) {
        if (!doc["target"].IsObject()) throw json_error(file, "target", "expected an object of targets");
        for (const auto& member : doc["target"].GetObject()) {
            const std::string name = member.name.GetString();
            out.targets[name] = reader.target(member.value, "target." + name);
        }
    }
    if (doc.HasMember("group")) {
        if (!doc["group"].IsObject()) throw json_error(file, "group", "expected an object of groups");
        for (const auto& member : doc["group"].GetObject()) {
            const std::string name = member.name.GetString();
            const std::string path = "group." + name;
            if (!member.value.IsObject() || !member.value.HasMember("targets"))
                throw json_error(file, path, "expected an object with \"targets\"");
            out.groups[name].targets = reader.strings(member.value["targets"], path + ".targets");
        }
    }
    return out;
}

BakeDefinition parse_compose(const std::string& text, const std::string& file, const EnvLookup& env) {
    YAML::Node doc;
    try {
        doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        const int line = e.mark.line + 1;
        throw Error(ErrorKind::input, "invalid YAML: " + e.msg, SourceSpan{file, line, line});
    }
    const YAML::Node services = doc.IsMap() ? doc["services"] : YAML::Node();
    if (!services || !services.IsMap())
        throw Error(ErrorKind::input, file + ": a compose file needs a \"services\" map")
            .with_hint("name a JSON bake file *.json; HCL bake files are not read by mab");
    const ComposeReader reader(file, env);
    BakeDefinition out;
    try {
        for (const auto& item : services) {
            const std::string name = item.first.as<std::string>();
            if (!item.second.IsMap() || !item.second["build"]) continue;  // services without build
            out.targets[name] = reader.service(name, item.second);
        }
    } catch (const YAML::Exception& e) {
        const int line = e.mark.line + 1;
        throw Error(ErrorKind::input, "invalid compose value: " + e.msg, SourceSpan{file, line, line});
    }
    return out;
}

void merge_definition(BakeDefinition& into, const BakeDefinition& from) {
    for (const auto& [name, group] : from.groups) {
        std::vector<std::string>& targets = into.groups[name].targets;
        for (const std::string& t : group.targets)
            if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    for (const auto& [name, target] : from.targets) {
        auto it = into.targets.find(name);
        if (it == into.targets.end()) {
            into.targets[name] = target;
            continue;
        }
        merge_target(it->second, target);
        it->second.origin += ", " + target.origin;
    }
}

void merge_target(BakeTarget& t, const BakeTarget& target) {
    set_if(t.context, target.context);
    set_if(t.dockerfile, target.dockerfile);
    for (const auto& [k, v] : target.args) t.args[k] = v;
    for (const auto& [k, v] : target.labels) t.labels[k] = v;
    set_if(t.tags, target.tags);
    if (target.cache_from) {
        if (!t.cache_from) t.cache_from.emplace();
        for (const std::string& c : *target.cache_from)
            if (std::find(t.cache_from->begin(), t.cache_from->end(), c) == t.cache_from->end())
                t.cache_from->push_back(c);
    }
    set_if(t.cache_to, target.cache_to);
    set_if(t.target, target.target);
    set_if(t.platforms, target.platforms);
    set_if(t.output, target.output);
    set_if(t.pull, target.pull);
    set_if(t.no_cache, target.no_cache);
    if (!target.inherits.empty()) t.inherits = target.inherits;
}

std::vector<fs::path> default_bake_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const char* name : {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml",
                             "docker-bake.json", "docker-bake.hcl", "docker-bake.override.json",
                             "docker-bake.override.hcl"}) {
        std::error_code ec;
        if (fs::is_regular_file(dir / name, ec)) out.push_back(dir / name);
    }
    return out;
}

BakeDefinition load_bake_files(const std::vector<fs::path>& files, const EnvLookup& env, SourceRegistry* sources) {
    BakeDefinition out;
    for (const fs::path& path : files) {
        const std::string shown = path.string();
        if (path.extension() == ".hcl")
            throw Error(ErrorKind::input, fmt::format("{}: HCL bake files are not supported", shown))
                .with_hint("mab bake reads the JSON form of a bake file (docker-bake.json) and compose files");
        std::error_code ec;
        if (!fs::is_regular_file(path, ec))
            throw Error(ErrorKind::input, fmt::format("failed to read bake file {}: no such file", shown));
        const std::string text = read_file(path);
        if (sources) sources->add(shown, text);
        merge_definition(out, path.extension() == ".json" ? parse_bake_json(text, shown, env)
                                                          : parse_compose(text, shown, env));
    }
    return out;
}

} // namespace mab::cli
