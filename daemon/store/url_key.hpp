#pragma once
// The URL key: an entry's link normalized so one article has one key wherever it
// appears. The rules are listed in the README ("Deduplication").

#include <string>
#include <string_view>
#include <vector>

namespace feedd::store {

// Returns the key, or an empty string when `url` is not an absolute http(s) URL.
std::string url_key(std::string_view url, const std::vector<std::string>& extra_tracking_params = {});

}  // namespace feedd::store
