// The variables instructions are expanded with: ENV values and ARG values of a stage, or
// the global ARGs for FROM lines. Insertion-ordered; setting a name again replaces its
// value in place (the later ENV or ARG wins, as in BuildKit's state environment).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

class Variables {
public:
    void set(const std::string& name, std::string value);
    std::optional<std::string> get(const std::string& name) const;
    // Every name and value, in the order first set.
    const std::vector<std::pair<std::string, std::string>>& items() const { return m_items; }
    // A lookup over a snapshot of the current values.
    VariableLookup lookup() const;

private:
    std::vector<std::pair<std::string, std::string>> m_items;
};

// Sets KEY=value in an image config's Env list, replacing an existing KEY in place.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value);

} // namespace mab::dockerfile
