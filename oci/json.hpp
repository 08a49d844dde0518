// Strict, deterministic JSON for the oci module's documents (internal to oci/).
//
// Writer: RapidJSON's compact writer that refuses invalid UTF-8; callers write keys in
// sorted order. Document: parsed iteratively (no recursion on hostile nesting), then
// checked for size (4 MiB), depth (64) and duplicate keys before any field is read.
// Node: typed access with the value's path ("layers[2].digest") in every error.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci/digest.hpp"

namespace mab::oci::json {

inline constexpr size_t k_max_document_size = 4 << 20;
inline constexpr int k_max_depth = 64;

class Writer {
public:
    Writer() : m_writer(m_buffer) {}

    // Throw Error(input) for strings that are not valid UTF-8.
    void key(std::string_view k);
    void string(std::string_view s);
    void member(std::string_view k, std::string_view s) {
        key(k);
        string(s);
    }
    // Writes the member only if `s` is not empty.
    void member_if(std::string_view k, std::string_view s) {
        if (!s.empty()) member(k, s);
    }
    void int64(int64_t v) { m_writer.Int64(v); }
    void boolean(bool v) { m_writer.Bool(v); }
    void begin_object() { m_writer.StartObject(); }
    void end_object() { m_writer.EndObject(); }
    void begin_array() { m_writer.StartArray(); }
    void end_array() { m_writer.EndArray(); }

    void string_array(const std::vector<std::string>& items);
    void string_map(const std::map<std::string, std::string>& map);
    // Docker's set encoding, sorted and unique: {"443/tcp":{},"80/tcp":{}}.
    void set(std::vector<std::string> items);

    std::string take() const { return std::string(m_buffer.GetString(), m_buffer.GetSize()); }

private:
    rapidjson::StringBuffer m_buffer;
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
        m_writer;
};

// A parsed, checked document; `kind` and `what` start every error message
// ("invalid image config sha256:…: …").
class Document {
public:
    Document(std::string_view json, std::string_view kind, const std::string& what);
    const rapidjson::Value& root() const { return m_doc; }
    [[noreturn]] void fail(const std::string& problem) const;

private:
    void check_structure(const rapidjson::Value& v, int depth) const;

    std::string m_kind;
    std::string m_what;
    rapidjson::Document m_doc;
};

// A value inside a Document. Missing members and null read as absent (as Go's decoder
// treats null); unknown members are simply never looked at.
class Node {
public:
    explicit Node(const Document& doc) : Node(doc, doc.root(), "") {}

    [[noreturn]] void fail(std::string_view problem) const;

    std::optional<Node> get(std::string_view key) const; // nullopt if absent or null
    Node require(std::string_view key) const;            // fails "is missing"

    std::string str() const;
    int64_t int64() const;
    bool boolean() const;
    Digest digest() const;
    std::vector<Node> array() const;
    std::vector<std::pair<std::string, Node>> members() const;

    std::vector<std::string> strings() const;
    std::map<std::string, std::string> string_map() const;
    std::vector<std::string> set() const; // Docker's {"80/tcp":{}}, sorted

    std::string string_or_empty(std::string_view key) const;
    std::optional<std::vector<std::string>> optional_strings(std::string_view key) const;

private:
    Node(const Document& doc, const rapidjson::Value& v, std::string path)
        : m_doc(&doc), m_value(&v), m_path(std::move(path)) {}
    void expect(bool ok, std::string_view type) const;
    std::string child_path(std::string_view key) const;

    const Document* m_doc;
    const rapidjson::Value* m_value;
    std::string m_path;
};

} // namespace mab::oci::json
