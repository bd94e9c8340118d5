#include "fetch/transfer.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <utility>

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feedd/version.hpp"
#include "fetch/url_text.hpp"

namespace feedd::fetch {
namespace {

constexpr const char* kDefaultAccept =
    "Accept: application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5";

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// A header's value as RFC 9110 allows it: no control character but tab (a bare CR, which
// libcurl passes on inside a line, included).
bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
  });
}

// Sets options one call at a time and remembers the first that failed.
class Options {
 public:
  explicit Options(CURL* easy) : easy_(easy) {}
  template <class T>
  void set(CURLoption option, T value, const char* name) {
    if (failed_ != nullptr) return;
    const CURLcode rc = curl_easy_setopt(easy_, option, value);
    if (rc != CURLE_OK) {
      failed_ = name;
      code_ = rc;
    }
  }
  std::string error() const {
    if (failed_ == nullptr) return {};
    return std::string("libcurl refused option ") + failed_ + ": " + curl_easy_strerror(code_);
  }

 private:
  CURL* easy_;
  const char* failed_ = nullptr;
  CURLcode code_ = CURLE_OK;
};

// CURLINFO_HTTP_VERSION's value as written after "HTTP/"; "" for none (0, or a file).
std::string http_version_text(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return {};
  }
}

}  // namespace

Transfer::Transfer(Request request, Callback done, std::shared_ptr<std::size_t> receiving)
    : request_(std::move(request)),
      done_(std::move(done)),
      started_(std::chrono::steady_clock::now()),
      receiving_(std::move(receiving)) {
  response_.effective_url = request_.url;
}

Transfer::~Transfer() { uncount(); }

Response Transfer::take_response() {
  uncount();
  return std::move(response_);
}

void Transfer::uncount() {
  if (receiving_ != nullptr) *receiving_ -= counted_;
  counted_ = 0;
}

std::string Transfer::setup(const ClientOptions& options) {
  if (request_.url.empty()) return "empty URL";
  if (has_line_break(request_.url)) return "URL contains a line break";
  const std::string scheme = url_scheme(request_.url);
  const bool file = scheme == "file";
  if (scheme != "http" && scheme != "https" && !(file && request_.allow_file)) {
    return "refused protocol: " + (scheme.empty() ? std::string("(none)") : scheme) +
           " (only http and https" + (request_.allow_file ? " and file" : "") + " are fetched)";
  }

  // Request headers: conditional GET validators exactly as stored, never invented. One
  // that could not be sent as it is (a control character: header_line no longer keeps
  // such a value, but an older feedd did) is left out, so the poll is unconditional and
  // its answer brings a new one, instead of failing every poll of the feed.
  if (!request_.etag.empty() && is_field_value(request_.etag)) {
    if (!slist_append(headers_, ("If-None-Match: " + request_.etag).c_str())) return "out of memory";
  }
  if (!request_.last_modified.empty() && is_field_value(request_.last_modified)) {
    if (!slist_append(headers_, ("If-Modified-Since: " + request_.last_modified).c_str())) {
      return "out of memory";
    }
  }
  bool has_accept = false;
  for (const std::string& line : request_.headers) {
    const std::size_t colon = line.find(':');
    if (has_line_break(line) || colon == std::string::npos || colon == 0) {
      return "invalid request header: " + std::string(trim(line.substr(0, 40)));
    }
    if (iequals(trim(std::string_view(line).substr(0, colon)), "Accept")) has_accept = true;
    if (!slist_append(headers_, line.c_str())) return "out of memory";
  }
  if (!has_accept && !slist_append(headers_, kDefaultAccept)) return "out of memory";

  std::string user_agent = request_.user_agent;
  if (user_agent.empty()) user_agent = options.user_agent;
  if (user_agent.empty()) user_agent = kUserAgent;
  if (has_line_break(user_agent)) return "User-Agent contains a line break";

  easy_.reset(curl_easy_init());
  if (!easy_) return "libcurl could not create a transfer";
  const Limits& limits = request_.limits;
  Options o(easy_.get());
  o.set(CURLOPT_PRIVATE, static_cast<void*>(this), "PRIVATE");
  o.set(CURLOPT_ERRORBUFFER, error_buffer_.data(), "ERRORBUFFER");
  o.set(CURLOPT_URL, request_.url.c_str(), "URL");
  o.set(CURLOPT_NOSIGNAL, 1L, "NOSIGNAL");
  o.set(CURLOPT_PROTOCOLS_STR, request_.allow_file ? "http,https,file" : "http,https", "PROTOCOLS_STR");
  o.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "REDIR_PROTOCOLS_STR");
  o.set(CURLOPT_FOLLOWLOCATION, 1L, "FOLLOWLOCATION");
  // Explicit: Debian's libcurl has no default limit, and -1 would mean "no limit".
  o.set(CURLOPT_MAXREDIRS, std::max(0L, static_cast<long>(limits.max_redirects)), "MAXREDIRS");
  o.set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()), "CONNECTTIMEOUT_MS");
  o.set(CURLOPT_TIMEOUT_MS, static_cast<long>(limits.total_timeout.count()), "TIMEOUT_MS");
  o.set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(limits.low_speed_bytes_per_second), "LOW_SPEED_LIMIT");
  o.set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(limits.low_speed_time.count()), "LOW_SPEED_TIME");
  o.set(CURLOPT_ACCEPT_ENCODING, "", "ACCEPT_ENCODING");  // every codec this libcurl has
  // Refuses early when the server announces a larger body; the write callback enforces
  // the cap on decompressed bytes, which this option does not see.
  o.set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_body_bytes), "MAXFILESIZE_LARGE");
  o.set(CURLOPT_WRITEFUNCTION, &Transfer::on_body, "WRITEFUNCTION");
  o.set(CURLOPT_WRITEDATA, static_cast<void*>(this), "WRITEDATA");
  o.set(CURLOPT_HEADERFUNCTION, &Transfer::on_header, "HEADERFUNCTION");
  o.set(CURLOPT_HEADERDATA, static_cast<void*>(this), "HEADERDATA");
  o.set(CURLOPT_USERAGENT, user_agent.c_str(), "USERAGENT");
  o.set(CURLOPT_HTTPHEADER, headers_.get(), "HTTPHEADER");
  o.set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS), "HTTP_VERSION");
  o.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L, "SUPPRESS_CONNECT_HEADERS");  // proxy CONNECT replies
  if (!request_.ca_file.empty()) {
    o.set(CURLOPT_CAINFO, request_.ca_file.c_str(), "CAINFO");
    // Instead of the system's store, not besides it: Debian's libcurl also reads the
    // certificate directory /etc/ssl/certs unless told not to.
    o.set(CURLOPT_CAPATH, static_cast<const char*>(nullptr), "CAPATH");
  }
  return o.error();
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) noexcept {
  auto* t = static_cast<Transfer*>(self);
  const std::size_t n = size * count;
  try {
    if (n > t->request_.limits.max_body_bytes - std::min(t->response_.body.size(),
                                                         t->request_.limits.max_body_bytes)) {
      t->body_too_large_ = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->response_.body.append(data, n);
    t->block_start_ = false;  // what header lines come now are trailers
    if (t->receiving_ != nullptr) {
      *t->receiving_ += n;
      t->counted_ += n;
    }
    return n;
  } catch (...) {
    return 0;
  }
}

std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t count, void* self) noexcept {
  auto* t = static_cast<Transfer*>(self);
  const std::size_t n = size * count;
  try {
    t->header_line(std::string_view(data, n));
    return n;
  } catch (...) {
    return 0;  // aborts the transfer
  }
}

// The redirects libcurl followed, or set out to follow, since the last call: each with
// the status of the response that sent it and the URL libcurl went to. That is the
// Location as libcurl resolved and escaped it, whatever this code made of the header: a
// raw space is sent as %20, and a Location with a control character, which
// header_line() does not keep, libcurl may still read and follow. A hop it followed is
// never left out of the chain, where a 302 keeps the daemon from moving a feed. Then
// notes the status of the response being received.
void Transfer::note_redirects() {
  CURL* e = easy_.get();
  long followed = 0;
  if (curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &followed) == CURLE_OK) {
    while (response_.redirects.size() < static_cast<std::size_t>(std::max(0L, followed))) {
      char* url = nullptr;
      const bool known = curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != nullptr;
      response_.redirects.emplace_back(answered_, known ? std::string(url) : std::string());
      hop_answered_ = false;  // a new request: nothing of its answer yet
    }
  }
  long code = 0;
  if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK) answered_ = code;
}

// libcurl passes every header line of every response, redirects included, one per call.
void Transfer::header_line(std::string_view line) {
  note_redirects();
  hop_answered_ = true;
  line = trim(line);
  if (line.empty()) {  // end of one response's header block
    block_start_ = true;
    return;
  }
  // A status line begins a block; a line inside one that looks like it is malformed, not a
  // new response, and must not take the validators received before it.
  const bool status_line = std::exchange(block_start_, false) && line.size() > 5 && line.substr(0, 5) == "HTTP/";
  if (status_line) {
    // A new response: what the headers of the one before said is not this one's.
    response_.content_type.clear();
    response_.etag.clear();
    response_.last_modified.clear();
    response_.cache_control.clear();
    response_.expires.clear();
    response_.retry_after.clear();
    response_.date.clear();
    response_.body.clear();
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1));
  // A value with a control character is malformed; kept, a validator would be sent back
  // with it, and a bare CR splits a request header in two.
  if (!is_field_value(value)) return;
  if (iequals(name, "Content-Type")) {
    response_.content_type = value;
  } else if (iequals(name, "ETag")) {
    response_.etag = value;
  } else if (iequals(name, "Last-Modified")) {
    response_.last_modified = value;
  } else if (iequals(name, "Cache-Control")) {
    if (!response_.cache_control.empty()) response_.cache_control += ", ";
    response_.cache_control += value;
  } else if (iequals(name, "Expires")) {
    response_.expires = value;
  } else if (iequals(name, "Retry-After")) {
    response_.retry_after = value;
  } else if (iequals(name, "Date")) {
    response_.date = value;
  } else if (iequals(name, "Content-Length")) {
    // Room for the body at once instead of growing it chunk by chunk. The length is the
    // server's word: at most the body cap, and at most 1 MiB before any byte arrived.
    constexpr std::size_t kMaxReserve = std::size_t{1} << 20;
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc{} && end == value.data() + value.size()) {
      response_.body.reserve(std::min({length, request_.limits.max_body_bytes, kMaxReserve}));
    }
  }
}

void Transfer::set_elapsed() {
  response_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
}

void Transfer::fail(Outcome outcome, std::string error) {
  response_.outcome = outcome;
  response_.error = std::move(error);
  response_.body.clear();
  set_elapsed();
}

std::string Transfer::timeout_text() const {
  const std::string_view message(error_buffer_.data());
  // A server that took the connection and never began to answer is told apart from one
  // that answers too slowly; after a redirect, by what the last request got.
  const bool answered = hop_answered_;
  if (message.starts_with("Operation too slow")) {
    const std::string seconds = std::to_string(request_.limits.low_speed_time.count());
    if (!answered) return "no answer: nothing received for " + seconds + " s";
    return "too slow: less than " + std::to_string(request_.limits.low_speed_bytes_per_second) + " bytes/s for " +
           seconds + " s";
  }
  // A transfer that never got connected timed out connecting, whichever limit ended it
  // (libcurl's wording for that varies between "Failed to connect ... Timeout was
  // reached", "Connection timed out ..." and "Resolving timed out ...").
  curl_off_t connected_us = 0;
  if (curl_easy_getinfo(easy_.get(), CURLINFO_CONNECT_TIME_T, &connected_us) == CURLE_OK && connected_us == 0) {
    const auto limit = std::min(request_.limits.connect_timeout, request_.limits.total_timeout);
    return "connect timed out after " + std::to_string(limit.count()) + " ms";
  }
  if (!answered) return "no answer within " + std::to_string(request_.limits.total_timeout.count()) + " ms";
  return "timed out after " + std::to_string(request_.limits.total_timeout.count()) + " ms";
}

void Transfer::finish(CURLcode result) {
  CURL* e = easy_.get();
  note_redirects();  // one that failed before its response (a refused protocol, a dead host)
  char* effective = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
    response_.effective_url = effective;
  }
  curl_off_t downloaded = 0;
  if (curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &downloaded) == CURLE_OK && downloaded > 0) {
    response_.bytes_received = static_cast<std::uint64_t>(downloaded);
  }
  long status = 0;
  if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) response_.status = status;
  // libcurl reads a status line leniently: "HTTP/2-1" gives -1, "HTTP/201" 1. Not a
  // status a server can mean: a broken answer, like one cut short.
  if (status < 100 || status > 999) response_.status = 0;
  long version = 0;
  if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) == CURLE_OK) {
    response_.http_version = http_version_text(version);
  }

  if (result == CURLE_OK) {
    if (url_scheme(response_.effective_url) == "file") response_.status = 200;
    if (response_.status == 0) {  // none, or a malformed one (set to 0 above)
      fail(Outcome::transport, "malformed HTTP status line (read as status " + std::to_string(status) + ")");
      return;
    }
    response_.outcome = Outcome::ok;
    set_elapsed();
    return;
  }

  const std::string detail(error_buffer_.data());
  const std::string limit = std::to_string(request_.limits.max_body_bytes);
  switch (result) {
    case CURLE_WRITE_ERROR:
      if (body_too_large_) {
        fail(Outcome::too_large, "body larger than " + limit + " bytes");
      } else {
        fail(Outcome::transport, "could not store the body");
      }
      return;
    case CURLE_FILESIZE_EXCEEDED:
      fail(Outcome::too_large, "body larger than " + limit + " bytes");
      return;
    case CURLE_TOO_MANY_REDIRECTS:
      fail(Outcome::redirects,
           "more than " + std::to_string(std::max(0L, static_cast<long>(request_.limits.max_redirects))) +
               " redirects");
      return;
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (!response_.redirects.empty()) {
        fail(Outcome::redirects,
             "redirect to a refused protocol: " + printable(redact_url(response_.redirects.back().second)));
      } else {
        fail(Outcome::transport, "refused protocol in URL " + redact_url(request_.url));
      }
      return;
    case CURLE_OPERATION_TIMEDOUT:
      fail(Outcome::timeout, timeout_text());
      return;
    case CURLE_COULDNT_RESOLVE_HOST:
      fail(Outcome::transport, "could not resolve host " + url_host(response_.effective_url));
      return;
    case CURLE_COULDNT_RESOLVE_PROXY:
      fail(Outcome::transport, "could not resolve proxy: " + detail);
      return;
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      if (curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno == ECONNREFUSED) {
        fail(Outcome::transport, "connection refused");
      } else {
        fail(Outcome::transport, "could not connect: " + detail);
      }
      return;
    }
    case CURLE_GOT_NOTHING:
      fail(Outcome::transport, "server closed the connection without a response");
      return;
    case CURLE_PARTIAL_FILE:
      fail(Outcome::transport, "connection closed before the whole body arrived");
      return;
    case CURLE_BAD_CONTENT_ENCODING:
      fail(Outcome::transport, "could not decode the body: " + detail);
      return;
    case CURLE_URL_MALFORMAT:
      fail(Outcome::transport, "malformed URL");
      return;
    case CURLE_FILE_COULDNT_READ_FILE:
      fail(Outcome::transport, "could not read file");
      return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      fail(Outcome::transport, "TLS error: " + (detail.empty() ? curl_easy_strerror(result) : detail));
      return;
    default:
      fail(Outcome::transport,
           std::string(curl_easy_strerror(result)) + (detail.empty() ? "" : ": " + detail));
      return;
  }
}

}  // namespace feedd::fetch
