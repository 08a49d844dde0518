#include "frontend-dockerfile/variables.hpp"

namespace mab::dockerfile {

void Variables::set(const std::string& name, std::string value) {
    for (auto& item : m_items) {
        if (item.first == name) {
            item.second = std::move(value);
            return;
        }
    }
    m_items.emplace_back(name, std::move(value));
}

std::optional<std::string> Variables::get(const std::string& name) const {
    for (const auto& item : m_items)
        if (item.first == name) return item.second;
    return std::nullopt;
}

VariableLookup Variables::lookup() const {
    return [snapshot = *this](const std::string& name) { return snapshot.get(name); };
}

void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value) {
    for (std::string& entry : env) {
        if (entry.compare(0, key.size(), key) == 0 &&
            (entry.size() == key.size() || entry[key.size()] == '=')) {
            entry = key + "=" + value;
            return;
        }
    }
    env.push_back(key + "=" + value);
}

} // namespace mab::dockerfile
