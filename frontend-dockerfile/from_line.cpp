#include "frontend-dockerfile/from_line.hpp"

#include <fmt/format.h>

#include <set>

#include "base/suggest.hpp"
#include "frontend-dockerfile/word_expansion.hpp"

namespace mab::dockerfile {

namespace {

// Expands `word`, noting the names it looked up that are not set.
std::string expand_noting_unset(const std::string& word, const Variables& globals, char escape,
                                std::set<std::string>& unset) {
    VariableLookup values = globals.lookup();
    VariableLookup noting = [&](const std::string& name) {
        std::optional<std::string> value = values(name);
        if (!value) unset.insert(name);
        return value;
    };
    return expand_word(word, noting, escape);
}

// BuildKit's wrapSuggestAny: a "did you mean" for the first unset name that looks like
// the name of a global ARG.
std::string with_variable_suggestion(const std::string& message, const std::set<std::string>& unset,
                                     const Variables& globals) {
    std::vector<std::string> names;
    for (const auto& item : globals.items()) names.push_back(item.first);
    for (const std::string& name : unset) {
        std::string suggestion = did_you_mean(name, names);
        if (!suggestion.empty()) return message + suggestion;
    }
    return message;
}

std::optional<oci::Platform> resolve_platform(const std::string& written, const Variables& globals, char escape) {
    std::set<std::string> unset;
    std::string text;
    try {
        text = expand_noting_unset(written, globals, escape, unset);
    } catch (const Error& e) {
        // BuildKit names the (empty) partial result here.
        throw Error(ErrorKind::dockerfile, std::string("failed to process arguments for platform : ") + e.what());
    }
    if (text.empty())
        throw Error(ErrorKind::dockerfile,
                    with_variable_suggestion(fmt::format("empty platform value from expression {}", written), unset,
                                             globals));
    try {
        return oci::Platform::parse(text);
    } catch (const Error& e) {
        throw Error(ErrorKind::dockerfile,
                    with_variable_suggestion(fmt::format("failed to parse platform {}: {}", written, e.what()), unset,
                                             globals))
            .with_hint(e.hint());
    }
}

} // namespace

StageBase resolve_from_line(const Stage& stage, const Variables& globals, char escape) {
    try {
        StageBase out;
        out.base = expand_word(stage.from.base, globals.lookup(), escape);
        if (out.base.empty())
            throw Error(ErrorKind::dockerfile, fmt::format("base name ({}) should not be blank", stage.from.base));
        if (stage.from.platform && !stage.from.platform->empty())
            out.platform = resolve_platform(*stage.from.platform, globals, escape);
        return out;
    } catch (Error& e) {
        e.with_span_if_unset(stage.from_command.span);
        throw;
    }
}

} // namespace mab::dockerfile
