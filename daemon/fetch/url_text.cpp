#include "fetch/url_text.hpp"

#include <cctype>

#include <curl/curl.h>

#include "fetch/curl_handles.hpp"

namespace feedd::fetch {
namespace {

// Owns a string libcurl allocated.
struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
};

}  // namespace

std::string redact_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t authority = scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  const std::size_t at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const std::size_t colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += "***";
  out += url.substr(at);
  return out;
}

std::string url_host(const std::string& url) {
  CurlUrl handle(curl_url());
  if (!handle) return {};
  CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) return {};
  CurlString host;
  rc = curl_url_get(handle.get(), CURLUPART_HOST, &host.p, 0);
  if (rc != CURLUE_OK || host.p == nullptr) return {};
  return host.p;
}

std::string url_scheme(std::string_view url) {
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string scheme;
  for (const char c : url.substr(0, colon)) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '+' && c != '-' && c != '.') return {};
    scheme += static_cast<char>(std::tolower(u));
  }
  return scheme;
}

}  // namespace feedd::fetch
