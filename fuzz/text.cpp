// Any text where feedd reads a URL, an HTML fragment, a date or an HTTP caching header.
//
// Checked for every input: a URL key is its own key; a reference resolved against an
// absolute base is absolute, and resolving it again changes nothing; html_length is
// strlen and never misses a relative URL that resolve_html_urls would change, which
// agrees with its in-place twin; a redirect's target is an http(s) URL without space or
// control characters that does not lead to itself; a date that reads writes
// back (RFC 3339 and RFC 1123) as the same instant; Retry-After and freshness are never
// negative.

#include <cctype>
#include <cstring>
#include <string>

#include "common/time.hpp"
#include "feed/dates.hpp"
#include "feed/text.hpp"
#include "feed/url.hpp"
#include "fetch/url_text.hpp"
#include "fuzz.hpp"
#include "schedule/schedule.hpp"
#include "store/url_key.hpp"

namespace {

using namespace feedd;

void check_key(std::string_view url) {
  const std::string key = store::url_key(url);
  if (key.empty()) return;
  FUZZ_CHECK(store::url_key("https:" + key) == key, "URL key is not its own key: " + key);
}

void check_resolve(std::string_view base, std::string_view ref) {
  const std::string out = feed::resolve_url(base, ref);
  if (!feed::url_scheme(base).empty()) {
    FUZZ_CHECK(!feed::url_scheme(out).empty(), "not absolute after resolving: " + out);
    // Again, it is only trimmed: a query can end in a space that its dropped fragment
    // followed, and a reference is trimmed before it is read.
    FUZZ_CHECK(feed::resolve_url(base, out) == feed::trim(out), "resolving twice changes: " + out);
  }
  const std::string ref_s(ref);
  (void)fetch::url_host(ref_s);
  const std::string scheme = fetch::url_scheme(ref_s);
  for (const char c : scheme) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "scheme not in lower case: " + scheme);
  (void)fetch::redact_url(ref);
}

void check_redirect(std::string_view url) {
  const auto target = feed::redirect_target(url);
  if (!target) return;
  std::string scheme(feed::url_scheme(*target));
  for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  FUZZ_CHECK(scheme == "http" || scheme == "https", "a redirect target that is not http(s): " + *target);
  for (const char c : *target) {
    FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7F, "a redirect target with space or control: " + *target);
  }
  FUZZ_CHECK(!feed::redirect_target(*target) || *feed::redirect_target(*target) != *target,
             "a redirect target that leads to itself: " + *target);
}

void check_html(std::string_view html, std::string_view base) {
  const std::string s(html.substr(0, html.find('\0')));
  bool maybe = false;
  FUZZ_CHECK(feed::html_length(s.c_str(), maybe) == std::strlen(s.c_str()), "html_length is not strlen");
  const std::string resolved = feed::resolve_html_urls(s, base);
  if (!maybe) FUZZ_CHECK(resolved == s, "html_length missed a relative URL in: " + s);
  std::string in_place = s;
  const bool changed = feed::resolve_html_urls_in_place(in_place, base);
  FUZZ_CHECK(in_place == resolved, "resolve_html_urls and its in-place twin disagree on: " + s);
  FUZZ_CHECK(changed || in_place == s, "changed in place but said it did not: " + s);
}

void check_date(std::string_view text) {
  const auto t = feed::parse_date(text);
  if (!t) return;
  const std::string rfc3339 = format_rfc3339(*t);
  FUZZ_CHECK(parse_rfc3339(rfc3339) == t, "RFC 3339 does not read back: " + rfc3339);
  FUZZ_CHECK(feed::parse_date(rfc3339) == t, "RFC 3339 does not read back as a feed date: " + rfc3339);
  const std::string rfc1123 = format_rfc1123(*t);
  FUZZ_CHECK(feed::parse_date(rfc1123) == t, "RFC 1123 does not read back: " + rfc1123);
}

void check_http(std::string_view a, std::string_view b, std::string_view c) {
  const Instant now(std::chrono::seconds(1'750'000'000));
  if (const auto s = schedule::parse_retry_after(a, now)) FUZZ_CHECK(s->count() >= 0, "negative Retry-After");
  if (const auto s = schedule::freshness(a, b, c, now)) FUZZ_CHECK(s->count() >= 0, "negative freshness");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::string_view a = in.part();
  const std::string_view b = in.part();
  const std::string_view c = in.rest();
  check_key(a);
  check_redirect(a);
  check_redirect("https://www.google.com/url?sa=t&url=" + std::string(b));
  check_resolve(a, b);
  check_resolve("https://example.org/news/a/b?x=1#f", a);
  check_html(c, a);
  check_html(c, "https://example.org/news/feed.xml");
  check_date(a);
  check_date(c);
  check_http(a, b, c);
  return 0;
}
