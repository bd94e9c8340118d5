#pragma once
// URL helpers for the fetcher: resolving redirect targets and keeping passwords out of
// logs and error texts.

#include <string>
#include <string_view>

namespace feedd::fetch {

// The URL with any password replaced by "***" ("http://me:***@host/"). Never fails.
std::string redact_url(std::string_view url);

// `reference` (a Location value) resolved against `base`; `reference` unchanged when
// either cannot be parsed.
std::string resolve_url(const std::string& base, const std::string& reference);

// The host name of `url`, or "" when it has none or cannot be parsed.
std::string url_host(const std::string& url);

// The scheme of `url` in lower case ("http", "ftp"), or "" when it has none.
std::string url_scheme(std::string_view url);

}  // namespace feedd::fetch
