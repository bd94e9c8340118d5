#pragma once
// Relative references resolved per RFC 3986 section 5.
//
// Our own small resolver rather than libcurl's curl_url: feeds carry references that
// curl_url rejects or rewrites (spaces, non-ASCII, odd schemes like "tag:" or "urn:"),
// and the parser resolves every link, enclosure and xml:base, so a
// no-allocation-beyond-the-result string routine matters. It does not normalize or
// percent-encode: a reference comes out as the feed wrote it, only made absolute.

#include <optional>
#include <string>
#include <string_view>

namespace feedd::feed {

// The scheme of an absolute URI ("http"), or empty when s is a relative reference.
std::string_view url_scheme(std::string_view s);

// ref resolved against base. An absolute ref is returned as is; an empty or relative
// base leaves a relative ref unchanged (nothing better is known).
std::string resolve_url(std::string_view base, std::string_view ref);

// Where a link through a known redirector leads: Google's "https://www.google.com/url?
// ...&url=X&..." (Google Alerts' entries), Bing News' apiclick.aspx, and the link
// wrappers of DuckDuckGo, Facebook, Instagram, LinkedIn, VK, YouTube, Steam and Slack
// (the table in url.cpp) give X, percent-decoded, when X is an http(s) URL; a redirect
// inside a redirect is unwrapped too (up to four layers). nullopt for any other link. The
// redirect is a tracker, differs for each alert or search that finds one article, and
// hides the article's URL, which other feeds carry and deduplication needs.
std::optional<std::string> redirect_target(std::string_view url);

// HTML with the relative URLs of its href, src and similar attributes resolved against
// base. Unchanged when base is not absolute or nothing needs resolving.
std::string resolve_html_urls(std::string_view html, std::string_view base);
// The same, in place; false (html untouched) when nothing was relative.
bool resolve_html_urls_in_place(std::string& html, std::string_view base);

// strlen of the NUL-terminated HTML s and, in the same pass, whether it may hold a
// relative URL that resolve_html_urls would change (it never says no when there is one).
std::size_t html_length(const char* s, bool& maybe_relative_urls);

}  // namespace feedd::feed
