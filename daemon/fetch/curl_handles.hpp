#pragma once
// Owners for libcurl's C handles: one unique_ptr type per handle kind, so no
// cleanup call appears anywhere else.

#include <memory>

#include <curl/curl.h>

namespace feedd::fetch {

struct CurlEasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const noexcept {
    // Fails only for a handle that is not a multi handle or is in use by a callback;
    // neither can be repaired from a destructor.
    (void)curl_multi_cleanup(h);
  }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* h) const noexcept { curl_slist_free_all(h); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* h) const noexcept { curl_url_cleanup(h); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

// Appends one header line; false when libcurl is out of memory (the list is unchanged).
bool slist_append(CurlSlist& list, const char* line);

}  // namespace feedd::fetch
