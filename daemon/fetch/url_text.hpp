#pragma once
// URL helpers for the fetcher: the parts of a URL its errors name, and keeping passwords
// out of logs and error texts.

#include <string>
#include <string_view>

namespace feedd::fetch {

// The URL with any password replaced by "***" ("http://me:***@host/"). Never fails.
std::string redact_url(std::string_view url);

// The host name of `url`, or "" when it has none or cannot be parsed.
std::string url_host(const std::string& url);

// The scheme of `url` in lower case ("http", "ftp"), or "" when it has none.
std::string url_scheme(std::string_view url);

}  // namespace feedd::fetch
