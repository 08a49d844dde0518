#include "cli/call_printer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "registry/base64.hpp"

namespace mab::cli {

namespace {

size_t rune_count(const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// A string as Go's encoding/json writes it (HTML characters escaped, as Marshal does).
std::string go_json_string(const std::string& s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; continue;
        case '\\': out += "\\\\"; continue;
        case '\b': out += "\\b"; continue;
        case '\f': out += "\\f"; continue;
        case '\n': out += "\\n"; continue;
        case '\r': out += "\\r"; continue;
        case '\t': out += "\\t"; continue;
        case '<': case '>': case '&': out += fmt::format("\\u{:04x}", c); continue;
        default: break;
        }
        if (c < 0x20) {
            out += fmt::format("\\u{:04x}", c);
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";  // line separators
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// JSON indented as Go's json.MarshalIndent(v, "", "  ") lays it out.
class IndentedJson {
public:
    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    void key(const std::string& name) {
        separate();
        m_out += go_json_string(name) + ": ";
        m_after_key = true;
    }
    void string(const std::string& value) { scalar(go_json_string(value)); }
    void number(long long value) { scalar(std::to_string(value)); }
    void boolean(bool value) { scalar(value ? "true" : "false"); }
    std::string take() { return std::move(m_out) + "\n"; }

private:
    void separate() {
        if (m_after_key) {
            m_after_key = false;
            return;
        }
        if (!m_counts.empty()) {
            if (m_counts.back()++ > 0) m_out += ",";
            m_out += "\n" + std::string(2 * m_counts.size(), ' ');
        }
    }
    void open(char bracket) {
        separate();
        m_out += bracket;
        m_counts.push_back(0);
    }
    void close(char bracket) {
        bool empty = m_counts.back() == 0;
        m_counts.pop_back();
        if (!empty) m_out += "\n" + std::string(2 * m_counts.size(), ' ');
        m_out += bracket;
    }
    void scalar(const std::string& text) {
        separate();
        m_out += text;
    }

    std::string m_out;
    std::vector<int> m_counts;  // values written in each open object or array
    bool m_after_key = false;
};

// BuildKit's pb.Location under `key`: {"ranges": [{"start": {"line": N}, "end": {"line": M}}]}.
void write_location(IndentedJson& json, const std::string& key, int first_line, int last_line) {
    json.key(key);
    json.begin_object();
    json.key("ranges");
    json.begin_array();
    json.begin_object();
    for (auto [name, line] : {std::pair{"start", first_line}, std::pair{"end", last_line}}) {
        json.key(name);
        json.begin_object();
        json.key("line");
        json.number(line);
        json.end_object();
    }
    json.end_object();
    json.end_array();
    json.end_object();
}

// The last member, the Dockerfile as BuildKit's "sources", and the end of the document.
std::string finish_with_sources(IndentedJson& json, const std::string& key, const std::string& dockerfile_text) {
    json.key(key);
    json.begin_array();
    json.string(registry::base64_encode(dockerfile_text));
    json.end_array();
    json.end_object();
    return json.take();
}

void optional_string(IndentedJson& json, const std::string& key, const std::string& value) {
    if (value.empty()) return;  // omitempty
    json.key(key);
    json.string(value);
}

} // namespace

std::string tab_table(const std::vector<std::vector<std::string>>& rows, size_t padding) {
    std::vector<size_t> widths;
    for (const std::vector<std::string>& row : rows)
        for (size_t i = 0; i + 1 < row.size(); ++i) {
            if (widths.size() <= i) widths.resize(i + 1, 0);
            widths[i] = std::max(widths[i], rune_count(row[i]) + padding);
        }
    std::string out;
    for (const std::vector<std::string>& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out += std::string(widths[i] - rune_count(row[i]), ' ');
        }
        out += "\n";
    }
    return out;
}

// buildx's PrintTargets.
std::string targets_text(const std::vector<dockerfile::TargetInfo>& targets) {
    std::vector<std::vector<std::string>> rows{{"TARGET", "DESCRIPTION"}};
    for (const dockerfile::TargetInfo& t : targets) {
        std::string name = t.name;
        if (t.is_default) name = name.empty() ? "(default)" : name + " (default)";
        rows.push_back({name, t.description});
    }
    return tab_table(rows, 3);
}

std::string targets_json(const std::vector<dockerfile::TargetInfo>& targets, const std::string& dockerfile_text) {
    IndentedJson json;
    json.begin_object();
    json.key("Targets");  // BuildKit's targets.List has no JSON tags
    json.begin_array();
    for (const dockerfile::TargetInfo& t : targets) {
        json.begin_object();
        optional_string(json, "name", t.name);
        if (t.is_default) {
            json.key("default");
            json.boolean(true);
        }
        optional_string(json, "description", t.description);
        optional_string(json, "base", t.base);
        optional_string(json, "platform", t.platform);
        write_location(json, "Location", t.first_line, t.last_line);
        json.end_object();
    }
    json.end_array();
    return finish_with_sources(json, "Sources", dockerfile_text);
}

// buildx's PrintOutline: the target, then the build args, each block followed by an
// empty line.
std::string outline_text(const dockerfile::Outline& outline) {
    std::string out;
    if (!outline.name.empty() || !outline.description.empty()) {
        std::vector<std::vector<std::string>> rows{{"TARGET:", outline.name.empty() ? "(default)" : outline.name}};
        if (!outline.description.empty()) rows.push_back({"DESCRIPTION:", outline.description});
        out += tab_table(rows, 1) + "\n";
    }
    if (!outline.args.empty()) {
        std::vector<std::vector<std::string>> rows{{"BUILD ARG", "VALUE", "DESCRIPTION"}};
        for (const dockerfile::OutlineArg& a : outline.args) rows.push_back({a.name, a.value, a.description});
        out += tab_table(rows, 3) + "\n";
    }
    return out;
}

std::string outline_json(const dockerfile::Outline& outline, const std::string& dockerfile_text) {
    IndentedJson json;
    json.begin_object();
    optional_string(json, "name", outline.name);
    optional_string(json, "description", outline.description);
    if (!outline.args.empty()) {
        json.key("args");
        json.begin_array();
        for (const dockerfile::OutlineArg& a : outline.args) {
            json.begin_object();
            json.key("name");
            json.string(a.name);
            optional_string(json, "description", a.description);
            optional_string(json, "value", a.value);
            write_location(json, "location", a.first_line, a.last_line);
            json.end_object();
        }
        json.end_array();
    }
    return finish_with_sources(json, "sources", dockerfile_text);
}

} // namespace mab::cli
