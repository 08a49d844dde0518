// Text the way Go's fmt prints it, because BuildKit's image history uses fmt verbs
// ("CMD [\"sh\" \"-c\"]" is %q of a []string, "VOLUME [/a /b]" is %v) and images built
// by mab should read the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

// strconv.Quote: double quotes, with \" \\ \n \t … , \xNN for control bytes and bytes that are
// not UTF-8, \uNNNN for unprintable runes (C1 controls, non-ASCII spaces, format characters).
std::string go_quote(std::string_view s);

// fmt's %q of a []string: ["a" "b"].
std::string go_quote_list(const std::vector<std::string>& items);

// fmt's %v of a []string: [a b].
std::string go_list(const std::vector<std::string>& items);

} // namespace mab::dockerfile
