#include "feed/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/ascii.hpp"
#include "feed/text.hpp"

namespace feedd::feed {
namespace {

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_alnum(char c) { return ascii_alpha(c) || (c >= '0' && c <= '9'); }

struct Parts {
  std::string_view scheme;  // without ':'
  bool has_authority = false;
  std::string_view authority;
  std::string_view path;
  bool has_query = false;
  std::string_view query;
  bool has_fragment = false;
  std::string_view fragment;
};

Parts split(std::string_view s) {
  Parts p;
  p.scheme = url_scheme(s);
  if (!p.scheme.empty()) s.remove_prefix(p.scheme.size() + 1);
  if (const auto hash = s.find('#'); hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  if (const auto q = s.find('?'); q != std::string_view::npos) {
    p.has_query = true;
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  if (s.size() >= 2 && s[0] == '/' && s[1] == '/') {
    p.has_authority = true;
    s.remove_prefix(2);
    const auto slash = s.find('/');
    p.authority = s.substr(0, slash);
    s = slash == std::string_view::npos ? std::string_view{} : s.substr(slash);
  }
  p.path = s;
  return p;
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const auto last = out.rfind('/');
      out.resize(last == std::string::npos ? 0 : last);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const auto next = in.find('/', in[0] == '/' ? 1 : 0);
      const auto seg = in.substr(0, next);
      out.append(seg);
      in.remove_prefix(seg.size());
    }
  }
  return out;
}

std::string merge(const Parts& base, std::string_view ref_path) {
  if (base.has_authority && base.path.empty()) return "/" + std::string(ref_path);
  const auto slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(ref_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(ref_path);
}

}  // namespace

std::string_view url_scheme(std::string_view s) {
  if (s.empty() || !ascii_alpha(s[0])) return {};
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':') return s.substr(0, i);
    if (!ascii_alnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return {};
}

std::string resolve_url(std::string_view base_in, std::string_view ref_in) {
  const std::string_view ref_text = trim(ref_in);
  const std::string_view base_text = trim(base_in);
  if (!url_scheme(ref_text).empty()) return std::string(ref_text);
  if (url_scheme(base_text).empty()) return std::string(ref_text);

  const Parts base = split(base_text);
  const Parts ref = split(ref_text);
  Parts t;
  std::string path;
  t.scheme = base.scheme;
  if (ref.has_authority) {
    t.has_authority = true;
    t.authority = ref.authority;
    path = remove_dot_segments(ref.path);
    t.has_query = ref.has_query;
    t.query = ref.query;
  } else {
    t.has_authority = base.has_authority;
    t.authority = base.authority;
    if (ref.path.empty()) {
      path = std::string(base.path);
      t.has_query = ref.has_query || base.has_query;
      t.query = ref.has_query ? ref.query : base.query;
    } else {
      path = remove_dot_segments(ref.path[0] == '/' ? std::string(ref.path) : merge(base, ref.path));
      t.has_query = ref.has_query;
      t.query = ref.query;
    }
  }
  std::string out;
  out.reserve(base_text.size() + ref_text.size());
  out.append(t.scheme).push_back(':');
  if (t.has_authority) out.append("//").append(t.authority);
  out.append(path);
  if (t.has_query) out.append("?").append(t.query);
  if (ref.has_fragment) out.append("#").append(ref.fragment);
  return out;
}

namespace {

// A redirector that names its target in a query parameter: on one of these hosts (any
// case, no port), at exactly this path, the first of these parameters that holds an
// http(s) URL. Only services whose links reach feeds as the entries' own links: alerts
// and news searches, and the link wrappers of social sites that feed bridges pass on.
// (Unused slots are empty.)
struct Redirector {
  std::array<std::string_view, 2> hosts;
  std::string_view path;
  std::array<std::string_view, 2> params;
};

const Redirector kRedirectors[] = {
    {{"www.google.com", "google.com"}, "/url", {"url", "q"}},                // Google Alerts, search results
    {{"www.bing.com", "bing.com"}, "/news/apiclick.aspx", {"url"}},         // Bing News' RSS
    {{"duckduckgo.com", "html.duckduckgo.com"}, "/l/", {"uddg"}},           // DuckDuckGo results
    {{"l.facebook.com", "lm.facebook.com"}, "/l.php", {"u"}},               // Facebook's outbound links
    {{"l.instagram.com"}, "/", {"u"}},                                      // Instagram's
    {{"www.linkedin.com", "linkedin.com"}, "/redir/redirect", {"url"}},     // LinkedIn's
    {{"vk.com", "m.vk.com"}, "/away.php", {"to"}},                          // VK's
    {{"www.youtube.com", "youtube.com"}, "/redirect", {"q"}},               // links in YouTube descriptions
    {{"steamcommunity.com"}, "/linkfilter/", {"url", "u"}},                 // Steam's
    {{"slack-redir.net"}, "/link", {"url"}},                                // Slack's
};

bool web_url(const Parts& u) {
  return (iequals(u.scheme, "http") || iequals(u.scheme, "https")) && u.has_authority && !u.authority.empty();
}

const Redirector* redirector_of(const Parts& p) {
  if (!web_url(p) || !p.has_query) return nullptr;
  for (const Redirector& r : kRedirectors) {
    if (p.path != r.path) continue;
    for (std::string_view host : r.hosts) {
      if (!host.empty() && iequals(p.authority, host)) return &r;
    }
  }
  return nullptr;
}

// The value of a query parameter, percent-decoded, when it is a clean http(s) URL.
std::optional<std::string> web_url_in(std::string_view value) {
  std::string target;
  target.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (const int byte = percent_escape(value, i); byte >= 0) {
      c = static_cast<char>(byte);
      i += 2;
    }
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return std::nullopt;
    target += c;
  }
  if (!web_url(split(target))) return std::nullopt;
  return target;
}

std::optional<std::string> unwrap_once(std::string_view url) {
  const Parts p = split(url);
  const Redirector* r = redirector_of(p);
  if (r == nullptr) return std::nullopt;
  for (std::string_view name : r->params) {
    if (name.empty()) continue;
    for (std::string_view query = p.query; !query.empty();) {
      const auto amp = query.find('&');
      const std::string_view param = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      if (param.size() <= name.size() || param[name.size()] != '=' || !param.starts_with(name)) continue;
      if (auto target = web_url_in(param.substr(name.size() + 1))) return target;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> redirect_target(std::string_view url) {
  // A redirect may wrap another (a search result's link to a social site's wrapper): a
  // few layers are unwrapped, and no more, whatever the input.
  std::optional<std::string> target;
  for (int layer = 0; layer < 4; ++layer) {
    auto inner = unwrap_once(target ? std::string_view(*target) : url);
    if (!inner) break;
    target = std::move(inner);
  }
  return target;
}

std::string resolve_html_urls(std::string_view html, std::string_view base) {
  std::string out(html);
  resolve_html_urls_in_place(out, base);
  return out;
}

namespace {

// Whether name (as written before '=') is an attribute that holds a URL.
bool is_url_attribute(std::string_view name) {
  static constexpr std::string_view kAttrs[] = {"href", "src", "poster", "background", "cite", "action"};
  for (auto a : kAttrs) {
    if (a.size() == name.size() &&
        std::equal(a.begin(), a.end(), name.begin(), [](char x, char y) { return x == ascii_lower(y); })) {
      return true;
    }
  }
  return false;
}

}  // namespace

namespace {

// Whether the '=' at q (inside the NUL-terminated s) introduces a URL attribute whose
// value is relative: the test resolve_html_urls_in_place makes, reading up to the NUL.
bool relative_url_at(const char* s, const char* q) {
  const char* v = q + 1;
  while (*v == ' ' || *v == '\t') ++v;
  const bool quoted = *v == '"' || *v == '\'';
  const char* start = quoted ? v + 1 : v;
  if (*start == '\0' || *start == '#' || (quoted && *start == *v)) return false;
  if (ascii_alpha(*start)) {
    const char* c = start + 1;
    while (ascii_alnum(*c) || *c == '+' || *c == '-' || *c == '.') ++c;
    if (*c == ':') return false;  // absolute
  }
  const char* name_end = q;
  while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t')) --name_end;
  const char* name_start = name_end;
  while (name_start > s && ascii_alpha(name_start[-1])) --name_start;
  if (name_start == name_end || name_start == s) return false;
  const char before = name_start[-1];
  if (before != ' ' && before != '\t' && before != '\n' && before != '\r') return false;
  return is_url_attribute(std::string_view(name_start, static_cast<std::size_t>(name_end - name_start)));
}

}  // namespace

// Aligned 16-byte loads may read past the terminating NUL, never past its 16-byte
// block (so never into another page): like libc's own strlen, which the address and
// thread sanitizers do not see either.
__attribute__((no_sanitize("address", "thread"))) std::size_t html_length(const char* s, bool& maybe_relative_urls) {
  maybe_relative_urls = false;
#ifdef __SSE2__
  const auto start = reinterpret_cast<std::uintptr_t>(s);
  const char* block = reinterpret_cast<const char*>(start & ~std::uintptr_t{15});
  unsigned skip = static_cast<unsigned>(start & 15);
  const __m128i zero = _mm_setzero_si128();
  const __m128i equals = _mm_set1_epi8('=');
  for (;; block += 16, skip = 0) {
    const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(block));
    const std::uint32_t keep = ~((1u << skip) - 1);
    const std::uint32_t nul = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero))) & keep;
    std::uint32_t eq = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, equals))) & keep;
    if (nul) eq &= (nul & (0u - nul)) - 1;  // only '=' before the NUL
    while (eq && !maybe_relative_urls) {
      maybe_relative_urls = relative_url_at(s, block + __builtin_ctz(eq));
      eq &= eq - 1;
    }
    if (nul) return static_cast<std::size_t>(block + __builtin_ctz(nul) - s);
  }
#else
  const char* p = s;
  for (; *p; ++p) {
    if (*p == '=' && !maybe_relative_urls) maybe_relative_urls = relative_url_at(s, p);
  }
  return static_cast<std::size_t>(p - s);
#endif
}

bool resolve_html_urls_in_place(std::string& text, std::string_view base) {
  if (url_scheme(base).empty()) return false;
  const std::string_view html = text;
  std::string out;
  std::size_t copied = 0;
  std::size_t resume = 0;  // '=' before this were inside a value already handled
  // Looks at the '=' at pos; returns false when the rest of the text cannot hold more.
  auto at_equals = [&](std::size_t pos) {
    if (pos < resume) return true;
    // The value first: almost every URL in feed HTML is absolute, and most '=' are not
    // in front of a URL at all, so that is the cheap test.
    std::size_t v = pos + 1;
    while (v < html.size() && (html[v] == ' ' || html[v] == '\t')) ++v;
    if (v >= html.size()) return false;
    std::size_t start = v;
    const char quote = html[v];
    const bool quoted = quote == '"' || quote == '\'';
    if (quoted) ++start;
    const std::string_view head = html.substr(start, 12);
    if (head.empty() || head[0] == '#' || (quoted && head[0] == quote) || !url_scheme(head).empty()) {
      return true;
    }
    // Then the attribute name before '=' (spaces allowed around it).
    std::size_t name_end = pos;
    while (name_end > 0 && (html[name_end - 1] == ' ' || html[name_end - 1] == '\t')) --name_end;
    std::size_t name_start = name_end;
    while (name_start > 0 && ascii_alpha(html[name_start - 1])) --name_start;
    if (name_start == 0 || name_start == name_end) return true;
    const char before = html[name_start - 1];
    if (before != ' ' && before != '\t' && before != '\n' && before != '\r') return true;
    if (!is_url_attribute(html.substr(name_start, name_end - name_start))) return true;
    std::size_t end = start;
    if (quoted) {
      end = html.find(quote, start);
      if (end == std::string_view::npos) return false;
    } else {
      while (end < html.size() && html[end] != ' ' && html[end] != '>' && html[end] != '\t') ++end;
    }
    resume = end;
    const std::string_view value = html.substr(start, end - start);
    if (value.empty() || !url_scheme(value).empty()) return true;
    out.append(html.substr(copied, start - copied));
    out.append(resolve_url(base, value));
    copied = end;
    return true;
  };
  // Every '=' in the text, 16 bytes at a time.
  const char* p = html.data();
  const std::size_t n = html.size();
  std::size_t i = 0;
  bool more = true;
#ifdef __SSE2__
  const __m128i equals = _mm_set1_epi8('=');
  for (; more && i + 16 <= n; i += 16) {
    auto m = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), equals)));
    while (m && more) {
      more = at_equals(i + static_cast<std::size_t>(__builtin_ctz(m)));
      m &= m - 1;
    }
  }
#endif
  for (; more && i < n; ++i) {
    if (p[i] == '=') more = at_equals(i);
  }
  if (copied == 0) return false;
  out.append(html.substr(copied));
  text = std::move(out);
  return true;
}

}  // namespace feedd::feed
