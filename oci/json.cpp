#include "oci/json.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::oci::json {

namespace {

rapidjson::SizeType length(std::string_view s) {
    return static_cast<rapidjson::SizeType>(s.size());
}

// The writer validates UTF-8: a string it refuses would otherwise make invalid JSON.
void check_written(bool ok, std::string_view s) {
    if (!ok) {
        throw Error(ErrorKind::input,
                    fmt::format("cannot write JSON: \"{}\" is not valid UTF-8", s.substr(0, 80)));
    }
}

} // namespace

void Writer::key(std::string_view k) {
    check_written(m_writer.Key(k.data(), length(k)), k);
}

void Writer::string(std::string_view s) {
    check_written(m_writer.String(s.data(), length(s)), s);
}

void Writer::string_array(const std::vector<std::string>& items) {
    begin_array();
    for (const std::string& item : items) string(item);
    end_array();
}

void Writer::string_map(const std::map<std::string, std::string>& map) {
    begin_object();
    for (const auto& [k, v] : map) member(k, v);
    end_object();
}

void Writer::set(std::vector<std::string> items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    begin_object();
    for (const std::string& item : items) {
        key(item);
        begin_object();
        end_object();
    }
    end_object();
}

Document::Document(std::string_view json, std::string_view kind, const std::string& what)
    : m_kind(kind), m_what(what) {
    if (json.size() > k_max_document_size) {
        fail(fmt::format("document is {} bytes, more than the {} allowed", json.size(),
                         k_max_document_size));
    }
    constexpr unsigned k_flags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
    m_doc.Parse<k_flags>(json.data(), json.size());
    if (m_doc.HasParseError()) {
        fail(fmt::format("not valid JSON: {} (at byte {})",
                         rapidjson::GetParseError_En(m_doc.GetParseError()),
                         m_doc.GetErrorOffset()));
    }
    check_structure(m_doc, 1);
}

void Document::fail(const std::string& problem) const {
    throw Error(ErrorKind::input, fmt::format("invalid {} {}: {}", m_kind, m_what, problem));
}

// Recursion is bounded: it stops at k_max_depth + 1 levels.
void Document::check_structure(const rapidjson::Value& v, int depth) const {
    if (!v.IsObject() && !v.IsArray()) return;
    if (depth > k_max_depth) fail(fmt::format("nesting deeper than {} levels", k_max_depth));
    if (v.IsArray()) {
        for (const rapidjson::Value& item : v.GetArray()) check_structure(item, depth + 1);
        return;
    }
    std::vector<std::string_view> keys;
    keys.reserve(v.MemberCount());
    for (const auto& m : v.GetObject()) {
        keys.emplace_back(m.name.GetString(), m.name.GetStringLength());
        check_structure(m.value, depth + 1);
    }
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) fail(fmt::format("duplicate key \"{}\"", *dup));
}

void Node::fail(std::string_view problem) const {
    m_doc->fail(m_path.empty() ? std::string(problem) : fmt::format("\"{}\" {}", m_path, problem));
}

void Node::expect(bool ok, std::string_view type) const {
    if (!ok) fail(fmt::format("must be {}", type));
}

std::string Node::child_path(std::string_view key) const {
    return m_path.empty() ? std::string(key) : fmt::format("{}.{}", m_path, key);
}

std::optional<Node> Node::get(std::string_view key) const {
    expect(m_value->IsObject(), "an object");
    rapidjson::Value name(rapidjson::StringRef(key.data(), length(key)));
    rapidjson::Value::ConstMemberIterator it = m_value->FindMember(name);
    if (it == m_value->MemberEnd() || it->value.IsNull()) return std::nullopt;
    return Node(*m_doc, it->value, child_path(key));
}

Node Node::require(std::string_view key) const {
    std::optional<Node> node = get(key);
    if (!node) Node(*m_doc, *m_value, child_path(key)).fail("is missing");
    return *node;
}

std::string Node::str() const {
    expect(m_value->IsString(), "a string");
    return std::string(m_value->GetString(), m_value->GetStringLength());
}

int64_t Node::int64() const {
    expect(m_value->IsInt64(), "an integer");
    return m_value->GetInt64();
}

bool Node::boolean() const {
    expect(m_value->IsBool(), "true or false");
    return m_value->GetBool();
}

Digest Node::digest() const {
    std::string text = str();
    try {
        return Digest::parse(text);
    } catch (const Error& e) {
        fail(fmt::format("is not a digest: {}", e.what()));
    }
}

std::vector<Node> Node::array() const {
    expect(m_value->IsArray(), "an array");
    std::vector<Node> items;
    items.reserve(m_value->Size());
    for (rapidjson::SizeType i = 0; i < m_value->Size(); ++i) {
        items.push_back(Node(*m_doc, (*m_value)[i], fmt::format("{}[{}]", m_path, i)));
    }
    return items;
}

std::vector<std::pair<std::string, Node>> Node::members() const {
    expect(m_value->IsObject(), "an object");
    std::vector<std::pair<std::string, Node>> out;
    for (const auto& m : m_value->GetObject()) {
        std::string name(m.name.GetString(), m.name.GetStringLength());
        Node child(*m_doc, m.value, child_path(name));
        out.emplace_back(std::move(name), std::move(child));
    }
    return out;
}

std::vector<std::string> Node::strings() const {
    std::vector<std::string> out;
    for (const Node& item : array()) out.push_back(item.str());
    return out;
}

std::map<std::string, std::string> Node::string_map() const {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : members()) out.emplace(name, value.str());
    return out;
}

std::vector<std::string> Node::set() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : members()) {
        value.expect(value.m_value->IsObject(), "an object");
        out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string Node::string_or_empty(std::string_view key) const {
    std::optional<Node> node = get(key);
    return node ? node->str() : std::string();
}

std::optional<std::vector<std::string>> Node::optional_strings(std::string_view key) const {
    std::optional<Node> node = get(key);
    if (!node) return std::nullopt;
    return node->strings();
}

} // namespace mab::oci::json
