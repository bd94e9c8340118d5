// The URL key. A hand-written normalizer rather than libcurl's URL API, for four reasons:
// it runs once per entry on every poll (a duplicate check must cost about a microsecond,
// and curl_url allocates a handle and a string per part); libcurl does not remove query
// parameters or decode percent-escapes of unreserved characters, which the key needs; the
// key must stay the same across libcurl versions, or every stored entry would be new
// again after an upgrade; and libcurl 7.88's CURLU_PUNYCODE reads the host in the
// process's locale (libidn2's idn2_lookup_ul), so under the C locale a daemon would give
// another key than a shell did for the same non-ASCII host.
//
// The rules, in order (README "Deduplication" lists them with examples):
//  1. Tabs and line breaks anywhere are removed; surrounding spaces are trimmed.
//  2. The scheme must be http or https (any case); both give the same key, which starts
//     with "//". Anything else (no scheme, ftp:, mailto:, a relative URL) has no key.
//  3. User name and password are dropped.
//  4. The host is lower-cased, percent-escapes in it decoded, one trailing dot dropped,
//     non-ASCII hosts converted to punycode. An empty or malformed host means no key.
//  5. The port is dropped when it is 80 or 443 (either scheme's default, since the schemes
//     are one), kept without leading zeros otherwise; a non-numeric or too large port
//     means no key.
//  6. An empty path becomes "/"; "." and ".." segments are resolved.
//  7. In path and query, escapes of unreserved characters (A-Z a-z 0-9 - . _ ~) are
//     decoded, other escapes get upper-case hex, a stray "%" becomes "%25", and bytes that
//     may not appear raw (space, controls, non-ASCII, "<>\"^`{|}\\") are escaped.
//  8. Query parameters named utm_* (any case), fbclid, gclid, dclid, msclkid, mc_cid,
//     mc_eid, or on the configured list are removed, as are empty parameters ("&&");
//     the others keep their order. A query left empty is dropped with its "?".
//  9. The fragment is dropped, except a "#!" route, which names a page on some sites.

#include "store/url_key.hpp"

#include <array>
#include <cstdint>
#include <memory>

#include "common/ascii.hpp"

namespace feedd::store {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_unreserved(unsigned char c) {
  return is_alpha(static_cast<char>(c)) || is_digit(static_cast<char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Bytes that may not stand raw in a path or query.
bool must_escape(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return true;
  switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
      return true;
    default:
      return false;
  }
}

void append_escaped(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

// Rule 7 over one component, appended to `out`.
void normalize_escapes(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    // Runs of bytes that stay as they are go in one append.
    std::size_t run = i;
    while (run < in.size() && in[run] != '%' && !must_escape(static_cast<unsigned char>(in[run]))) {
      ++run;
    }
    if (run > i) {
      out.append(in.data() + i, run - i);
      i = run;
      if (i == in.size()) break;
    }
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      const int byte = percent_escape(in, i);
      if (byte < 0) {
        out += "%25";
        continue;
      }
      const auto decoded = static_cast<unsigned char>(byte);
      if (is_unreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        append_escaped(out, decoded);
      }
      i += 2;
    } else if (must_escape(c)) {
      append_escaped(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

// RFC 3986 section 5.2.4, on an already normalized absolute path.
std::string remove_dot_segments(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  std::size_t i = 0;
  while (i < path.size()) {
    // path[i] is always '/' here.
    std::size_t next = path.find('/', i + 1);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view segment = path.substr(i + 1, next - i - 1);
    const bool last = next == path.size();
    if (segment == ".") {
      if (last) out += '/';
    } else if (segment == "..") {
      const std::size_t cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
      if (last) out += '/';
    } else {
      out += '/';
      out += segment;
    }
    i = next;
  }
  if (out.empty()) out.push_back('/');
  return out;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Rule 8. `name` is already escape-normalized, so "utm%5Fsource" arrived as "utm_source".
bool is_tracking(std::string_view name, const std::vector<std::string>& extra) {
  static constexpr std::array<std::string_view, 6> kNames{"fbclid", "gclid",  "dclid",
                                                          "msclkid", "mc_cid", "mc_eid"};
  if (istarts_with(name, "utm_")) return true;
  for (auto n : kNames) {
    if (iequals(name, n)) return true;
  }
  for (const auto& e : extra) {
    if (!e.empty() && e.back() == '*') {
      if (istarts_with(name, std::string_view(e).substr(0, e.size() - 1))) return true;
    } else if (iequals(name, e)) {
      return true;
    }
  }
  return false;
}

// Rule 8, appending "?a=1&b=2" (or nothing) to `out`.
void append_query(std::string_view query, const std::vector<std::string>& extra, std::string& out) {
  bool first = true;
  std::size_t i = 0;
  while (i <= query.size()) {
    std::size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view raw = query.substr(i, amp - i);
    i = amp + 1;
    if (raw.empty()) continue;
    const std::size_t mark = out.size();
    out += first ? '?' : '&';
    const std::size_t piece_start = out.size();
    normalize_escapes(raw, out);
    const std::string_view piece(out.data() + piece_start, out.size() - piece_start);
    if (is_tracking(piece.substr(0, piece.find('=')), extra)) {
      out.resize(mark);
      continue;
    }
    first = false;
  }
}

// Rule 4 for non-ASCII hosts: each label with a non-ASCII letter becomes "xn--" and its
// punycode (RFC 3492). Letters are lower-cased first for ASCII, Latin-1, Latin Extended-A,
// Greek and Cyrillic, which covers the hosts feeds link to in practice; full IDNA mapping
// (Unicode case folding, NFC) would need Unicode tables, and a host spelled two ways
// outside those scripts only costs a duplicate, never a lost entry.
std::uint32_t lower_code_point(std::uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 0x20;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
    return c | 1U;
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1U) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

// UTF-8 to code points; false on a malformed sequence.
bool decode_utf8(std::string_view s, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t c = 0;
    if (b < 0x80) {
      n = 1;
      c = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 2;
      c = b & 0x1FU;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3;
      c = b & 0x0FU;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4;
      c = b & 0x07U;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return false;
      c = (c << 6) | (cont & 0x3FU);
    }
    if (c > 0x10FFFF || (n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000)) {
      return false;
    }
    out.push_back(c);
    i += n;
  }
  return true;
}

// RFC 3492 section 6.3, for one label of lower-cased code points.
bool punycode_encode(const std::vector<std::uint32_t>& input, std::string& out) {
  constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
  constexpr std::uint32_t kInitialBias = 72, kInitialN = 128;
  const auto digit = [](std::uint32_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
  };
  const auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTMin) * kTMax) / 2) {
      delta /= kBase - kTMin;
      k += kBase;
    }
    return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
  };
  std::uint32_t basic = 0;
  for (std::uint32_t c : input) {
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++basic;
    }
  }
  std::uint32_t handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = kInitialN;
  std::uint32_t delta = 0;
  std::uint32_t bias = kInitialBias;
  const auto total = static_cast<std::uint32_t>(input.size());
  while (handled < total) {
    std::uint32_t m = 0x10FFFF + 1;
    for (std::uint32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    if (m - n > (0xFFFFFFFFU - delta) / (handled + 1)) return false;
    delta += (m - n) * (handled + 1);
    n = m;
    for (std::uint32_t c : input) {
      if (c < n && ++delta == 0) return false;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out += digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return true;
}

std::string idn_host(std::string_view host) {
  std::string out;
  std::vector<std::uint32_t> points;
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    points.clear();
    if (!decode_utf8(label, points)) return {};
    bool ascii = true;
    for (auto& c : points) {
      c = lower_code_point(c);
      if (c >= 0x80) ascii = false;
    }
    if (start > 0) out += '.';
    if (ascii) {
      for (auto c : points) out += static_cast<char>(c);
    } else {
      out += "xn--";
      if (!punycode_encode(points, out)) return {};
    }
    start = dot + 1;
  }
  return out;
}

bool valid_host_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Rules 3-5: the authority (between "//" and the path) to "host[:port]".
std::string normalize_authority(std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view host_part = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return {};
    host_part = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return {};
      port = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host_part = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }

  std::string host;
  host.reserve(host_part.size());
  bool non_ascii = false;
  if (!host_part.empty() && host_part.front() == '[') {
    for (char c : host_part) {
      if (!(is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') || c == ':' || c == '.' ||
            c == '[' || c == ']')) {
        return {};
      }
      host += ascii_lower(c);
    }
  } else {
    for (std::size_t i = 0; i < host_part.size(); ++i) {
      char c = host_part[i];
      if (c == '%') {
        const int byte = percent_escape(host_part, i);
        if (byte < 0) return {};
        c = static_cast<char>(byte);
        i += 2;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        non_ascii = true;
      } else if (!valid_host_char(c)) {
        return {};
      }
      host += ascii_lower(c);
    }
    // An empty label anywhere ("a..b", "a..", ".a") is malformed; one trailing dot (the
    // root's empty label, "example.org.") is the same host without it.
    if (host.empty() || host.front() == '.' || host.find("..") != std::string::npos) return {};
    if (host.back() == '.') host.pop_back();  // not the only character: front() is not a dot
    if (non_ascii) {
      host = idn_host(host);
      if (host.empty()) return {};
    }
  }

  if (!port.empty()) {
    std::uint32_t value = 0;
    for (char c : port) {
      if (!is_digit(c)) return {};
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
      if (value > 65535) return {};
    }
    if (value != 80 && value != 443) {
      host += ':';
      host += std::to_string(value);
    }
  }
  return host;
}

}  // namespace

std::string url_key(std::string_view input, const std::vector<std::string>& extra_tracking_params) {
  // Rule 1.
  std::string cleaned;
  std::string_view url = input;
  if (input.find_first_of("\t\n\r") != std::string_view::npos) {
    cleaned.reserve(input.size());
    for (char c : input) {
      if (c != '\t' && c != '\n' && c != '\r') cleaned += c;
    }
    url = cleaned;
  }
  while (!url.empty() && (url.front() == ' ' || url.front() == '\f' || url.front() == '\v')) {
    url.remove_prefix(1);
  }
  while (!url.empty() && (url.back() == ' ' || url.back() == '\f' || url.back() == '\v')) {
    url.remove_suffix(1);
  }

  // Rule 2.
  if (istarts_with(url, "http://")) {
    url.remove_prefix(7);
  } else if (istarts_with(url, "https://")) {
    url.remove_prefix(8);
  } else {
    return {};
  }

  const std::size_t authority_end = url.find_first_of("/?#");
  const std::string host = normalize_authority(url.substr(0, authority_end));
  if (host.empty()) return {};
  url.remove_prefix(authority_end == std::string_view::npos ? url.size() : authority_end);

  std::string_view fragment;
  const std::size_t hash = url.find('#');
  if (hash != std::string_view::npos) {
    fragment = url.substr(hash + 1);
    url = url.substr(0, hash);
  }
  std::string_view query;
  const std::size_t question = url.find('?');
  if (question != std::string_view::npos) {
    query = url.substr(question + 1);
    url = url.substr(0, question);
  }

  std::string key;
  key.reserve(input.size() + 8);
  key += "//";
  key += host;

  // Rules 6 and 7 on the path, written straight into the key.
  const std::size_t path_start = key.size();
  if (url.empty() || url.front() != '/') key += '/';
  normalize_escapes(url, key);
  if (key.find("/.", path_start) != std::string::npos) {
    const std::string resolved = remove_dot_segments(std::string_view(key).substr(path_start));
    key.resize(path_start);
    key += resolved;
  }

  append_query(query, extra_tracking_params, key);

  // Rule 9.
  if (!fragment.empty() && fragment.front() == '!') {
    key += '#';
    normalize_escapes(fragment, key);
  }
  return key;
}

}  // namespace feedd::store
