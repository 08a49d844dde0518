#include "cli/bake_resolve.hpp"

#include <fnmatch.h>

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <set>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/output_flag.hpp"

namespace mab::cli {

namespace {

const std::vector<std::string> k_set_keys{"context", "dockerfile", "target", "args", "labels", "tags",
                                          "platform", "output", "cache-from", "cache-to", "no-cache", "pull"};

std::vector<std::string> known_names(const BakeDefinition& d) {
    std::vector<std::string> out;
    for (const auto& [name, group] : d.groups) out.push_back(name);
    for (const auto& [name, target] : d.targets) out.push_back(name);
    return out;
}

// Adds the targets `name` stands for, groups expanded depth-first, each once.
void expand(const BakeDefinition& d, const std::string& name, std::vector<std::string>& stack, ResolvedBake& out,
            std::vector<std::string>& order) {
    if (auto g = d.groups.find(name); g != d.groups.end()) {
        if (std::find(stack.begin(), stack.end(), name) != stack.end())
            throw Error(ErrorKind::input, fmt::format("group \"{}\" contains itself", name));
        out.groups[name] = g->second;
        stack.push_back(name);
        for (const std::string& member : g->second.targets) expand(d, member, stack, out, order);
        stack.pop_back();
        return;
    }
    if (d.targets.count(name) == 0) {
        const std::string where = stack.empty() ? "" : fmt::format(" (in group \"{}\")", stack.back());
        throw Error(ErrorKind::usage,
                    with_suggestion(fmt::format("failed to find target \"{}\"{}", name, where), name, known_names(d)));
    }
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
}

// The target with what it inherits laid under it (parents in order, then its own).
BakeTarget inherited(const BakeDefinition& d, const std::string& name, std::vector<std::string>& stack) {
    if (std::find(stack.begin(), stack.end(), name) != stack.end())
        throw Error(ErrorKind::input,
                    fmt::format("target \"{}\" inherits from itself ({} -> {})", name,
                                fmt::join(stack, " -> "), name));
    const BakeTarget& own = d.targets.at(name);
    stack.push_back(name);
    BakeTarget out;
    for (const std::string& parent : own.inherits) {
        if (d.targets.count(parent) == 0) {
            std::vector<std::string> targets;
            for (const auto& [n, t] : d.targets) targets.push_back(n);
            throw Error(ErrorKind::input,
                        with_suggestion(fmt::format("{}: target \"{}\" inherits from unknown target \"{}\"",
                                                    own.origin, name, parent),
                                        parent, targets));
        }
        merge_target(out, inherited(d, parent, stack));
    }
    stack.pop_back();
    merge_target(out, own);
    out.inherits.clear();
    out.origin = own.origin;
    return out;
}

struct SetValue {
    std::string pattern;
    std::string key;    // "args.NAME", "tags", …
    bool append = false;  // KEY+=VALUE
    std::string value;
    std::string text;   // as given, for messages
};

SetValue parse_set(const std::string& text) {
    const size_t eq = text.find('=');
    const size_t dot = text.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
        throw Error(ErrorKind::usage, fmt::format("--set {}: expected TARGET.KEY=VALUE", text))
            .with_hint("for example --set '*.platform=linux/amd64,linux/arm64' or --set app.args.VERSION=2");
    SetValue s;
    s.text = text;
    s.pattern = text.substr(0, dot);
    s.append = eq > 0 && text[eq - 1] == '+';
    s.key = text.substr(dot + 1, eq - dot - 1 - (s.append ? 1 : 0));
    s.value = text.substr(eq + 1);
    if (s.key == "platforms") s.key = "platform";
    const std::string base = s.key.substr(0, s.key.find('.'));
    const bool map_key = base == "args" || base == "labels";
    if (std::find(k_set_keys.begin(), k_set_keys.end(), base) == k_set_keys.end() ||
        (map_key && s.key.size() <= base.size() + 1) || (!map_key && base != s.key))
        throw Error(ErrorKind::usage,
                    with_suggestion(fmt::format("--set {}: unknown key \"{}\"", text, s.key), s.key, k_set_keys))
            .with_hint("keys: context, dockerfile, target, args.NAME, labels.NAME, tags, platform, output, "
                       "cache-from, cache-to, no-cache, pull");
    return s;
}

bool parse_bool(const SetValue& s) {
    if (s.value == "true" || s.value == "1" || s.value.empty()) return true;
    if (s.value == "false" || s.value == "0") return false;
    throw Error(ErrorKind::usage, fmt::format("--set {}: expected true or false", s.text));
}

std::vector<std::string> split_commas(const std::string& value) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        if (comma > start) out.push_back(value.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

// A list key: the first --set of it replaces the file's list, later ones (and +=) add.
void set_list(std::optional<std::vector<std::string>>& list, const std::vector<std::string>& values, bool append,
              std::set<std::string>& replaced, const std::string& key) {
    if (!append && replaced.insert(key).second) list.emplace();
    if (!list) list.emplace();
    // An empty value adds nothing: `--set app.tags=` clears the list.
    for (const std::string& v : values)
        if (!v.empty()) list->push_back(v);
}

void apply_set(BakeTarget& t, const SetValue& s, std::set<std::string>& replaced) {
    const std::string& k = s.key;
    if (k == "context") t.context = s.value;
    else if (k == "dockerfile") t.dockerfile = s.value;
    else if (k == "target") t.target = s.value;
    else if (k.rfind("args.", 0) == 0) t.args[k.substr(5)] = s.value;
    else if (k.rfind("labels.", 0) == 0) t.labels[k.substr(7)] = s.value;
    else if (k == "tags") set_list(t.tags, {s.value}, s.append, replaced, k);
    else if (k == "platform") set_list(t.platforms, split_commas(s.value), s.append, replaced, k);
    else if (k == "output") set_list(t.output, {s.value}, s.append, replaced, k);
    else if (k == "cache-from") set_list(t.cache_from, {s.value}, s.append, replaced, k);
    else if (k == "cache-to") set_list(t.cache_to, {s.value}, s.append, replaced, k);
    else if (k == "no-cache") t.no_cache = parse_bool(s);
    else if (k == "pull") t.pull = parse_bool(s);
}

void write_strings(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w, const char* key,
                   const std::optional<std::vector<std::string>>& values) {
    if (!values) return;
    w.Key(key);
    w.StartArray();
    for (const std::string& v : *values) w.String(v);
    w.EndArray();
}

// An output or cache entry as newer buildx prints it: its CSV fields as an object, a
// bare value by buildx's shorthand (an output path is a local directory, "-" a tar on
// stdout; a cache entry is a registry reference).
void write_entries(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w, const char* key,
                   const std::optional<std::vector<std::string>>& values, bool output) {
    if (!values) return;
    w.Key(key);
    w.StartArray();
    for (const std::string& v : *values) {
        std::vector<std::pair<std::string, std::string>> fields;
        if (v.find('=') == std::string::npos) {
            if (output) fields = {{"type", v == "-" ? "tar" : "local"}, {"dest", v}};
            else fields = {{"type", "registry"}, {"ref", v}};
        } else {
            for (const std::string& field : split_csv(v)) {
                const size_t eq = field.find('=');
                fields.emplace_back(field.substr(0, eq), eq == std::string::npos ? "" : field.substr(eq + 1));
            }
        }
        w.StartObject();
        for (const auto& [k, value] : fields) {
            w.Key(k);
            w.String(value);
        }
        w.EndObject();
    }
    w.EndArray();
}

void write_map(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w, const char* key,
               const std::map<std::string, std::string>& values) {
    if (values.empty()) return;
    w.Key(key);
    w.StartObject();
    for (const auto& [k, v] : values) {
        w.Key(k);
        w.String(v);
    }
    w.EndObject();
}

} // namespace

ResolvedBake resolve_bake(const BakeDefinition& d, const std::vector<std::string>& names,
                          const std::vector<std::string>& sets) {
    ResolvedBake out;
    std::vector<std::string> order;
    std::vector<std::string> stack;
    if (!names.empty()) {
        out.requested = names;
    } else if (d.groups.count("default")) {
        out.requested = {"default"};
    } else {
        for (const auto& [name, target] : d.targets) out.requested.push_back(name);
    }
    if (out.requested.empty())
        throw Error(ErrorKind::usage, "no targets to build: the bake files define none")
            .with_hint("add a \"target\" to docker-bake.json, or a service with \"build:\" to compose.yaml");
    for (const std::string& name : out.requested) expand(d, name, stack, out, order);
    for (const std::string& name : order) out.targets[name] = inherited(d, name, stack);

    std::map<std::string, std::set<std::string>> replaced;  // list keys a --set has replaced, per target
    for (const std::string& text : sets) {
        const SetValue s = parse_set(text);
        bool matched = false;
        for (auto& [name, target] : out.targets) {
            if (::fnmatch(s.pattern.c_str(), name.c_str(), 0) != 0) continue;
            apply_set(target, s, replaced[name]);
            matched = true;
        }
        if (!matched)
            throw Error(ErrorKind::usage,
                        with_suggestion(fmt::format("--set {}: no target to build matches \"{}\"", text, s.pattern),
                                        s.pattern, order));
    }
    for (auto& [name, target] : out.targets) {
        if (!target.context) target.context = ".";
        if (!target.dockerfile) target.dockerfile = "Dockerfile";
    }
    return out;
}

std::string bake_print_json(const ResolvedBake& bake) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("group");
    w.StartObject();
    std::map<std::string, BakeGroup> groups = bake.groups;
    if (!groups.count("default")) groups["default"].targets = bake.requested;
    for (const auto& [name, group] : groups) {
        w.Key(name);
        w.StartObject();
        w.Key("targets");
        w.StartArray();
        for (const std::string& t : group.targets) w.String(t);
        w.EndArray();
        w.EndObject();
    }
    w.EndObject();
    w.Key("target");
    w.StartObject();
    for (const auto& [name, t] : bake.targets) {
        w.Key(name);
        w.StartObject();
        w.Key("context");
        w.String(t.context.value_or("."));
        w.Key("dockerfile");
        w.String(t.dockerfile.value_or("Dockerfile"));
        write_map(w, "args", t.args);
        write_map(w, "labels", t.labels);
        write_strings(w, "tags", t.tags);
        write_entries(w, "cache-from", t.cache_from, false);
        write_entries(w, "cache-to", t.cache_to, false);
        if (t.target) {
            w.Key("target");
            w.String(*t.target);
        }
        write_strings(w, "platforms", t.platforms);
        write_entries(w, "output", t.output, true);
        if (t.pull) {
            w.Key("pull");
            w.Bool(*t.pull);
        }
        if (t.no_cache) {
            w.Key("no-cache");
            w.Bool(*t.no_cache);
        }
        w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    return std::string(buffer.GetString()) + "\n";
}

} // namespace mab::cli
