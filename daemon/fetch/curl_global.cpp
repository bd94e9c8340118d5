#include "fetch/curl_global.hpp"

#include <mutex>
#include <stdexcept>
#include <string>

#include <curl/curl.h>

#include "fetch/curl_handles.hpp"

namespace feedd::fetch {

void global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl initialization failed: ") +
                             curl_easy_strerror(result));
  }
}

bool slist_append(CurlSlist& list, const char* line) {
  curl_slist* head = curl_slist_append(list.get(), line);
  if (head == nullptr) return false;
  // On success the head is either the old one (list non-empty) or a new one.
  (void)list.release();
  list.reset(head);
  return true;
}

}  // namespace feedd::fetch
