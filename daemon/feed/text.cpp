#include "feed/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/utf8.hpp"

namespace feedd::feed {
namespace {

struct NamedEntity {
  std::string_view name;
  std::string_view utf8;
};

constexpr NamedEntity kEntities[] = {
#include "feed/html_entities.inc"
};

bool is_bad_control(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F; }


// 16 bytes at a time: bit k of the result is set when byte k needs a closer look.
#ifdef __SSE2__
__m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
// Not printable ASCII: below 0x20, 0x7F, or >= 0x80 (negative as a signed byte).
std::uint32_t unprintable16(const char* p) {
  const __m128i v = load16(p);
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(low, del)));
}
// Bytes >= 0x80.
std::uint32_t high16(const char* p) { return static_cast<std::uint32_t>(_mm_movemask_epi8(load16(p))); }
// Control characters clean_text drops (C0 but tab, newline, carriage return; DEL),
// bytes >= 0x80, and "&#" pairs. Reads p[0, 17).
std::uint32_t unclean_or_high16(const char* p) {
  const __m128i v = load16(p);
  const __m128i next = load16(p + 1);
  auto eq = [](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));  // also bytes >= 0x80
  const __m128i allowed = _mm_or_si128(_mm_or_si128(eq(v, '\t'), eq(v, '\n')), eq(v, '\r'));
  const __m128i numeric_ref = _mm_and_si128(eq(v, '&'), eq(next, '#'));
  const __m128i flagged = _mm_or_si128(_mm_andnot_si128(allowed, low), _mm_or_si128(eq(v, 0x7F), numeric_ref));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(flagged));
}
#else
std::uint32_t unclean_or_high16(const char* p) {
  std::uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    const auto c = static_cast<unsigned char>(p[k]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7F || (c == '&' && p[k + 1] == '#')) {
      m |= 1u << k;
    }
  }
  return m;
}
std::uint32_t high16(const char* p) {
  std::uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    if (static_cast<unsigned char>(p[k]) >= 0x80) m |= 1u << k;
  }
  return m;
}
std::uint32_t unprintable16(const char* p) {
  std::uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    const auto c = static_cast<unsigned char>(p[k]);
    if (c < 0x20 || c >= 0x7F) m |= 1u << k;
  }
  return m;
}
#endif

// Index of the first byte clean_text would drop, or s.size().
std::size_t first_unclean(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::size_t next = 0;  // bytes before next are known good
  auto check = [&](std::size_t k) {
    if (k < next) return true;
    const auto c = static_cast<unsigned char>(p[k]);
    if (c < 0x80) {
      next = k + 1;
      return !is_bad_control(c);
    }
    const std::size_t len = utf8_sequence(s, k);
    next = k + len;
    return len != 0;
  };
  while (i + 16 <= n) {
    std::uint32_t m = unprintable16(p + i);
    while (m) {
      const std::size_t k = i + static_cast<std::size_t>(__builtin_ctz(m));
      m &= m - 1;
      if (!check(k)) return k;
    }
    i = std::max(i + 16, next);
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x7F) continue;
    if (!check(i)) return i;
    i = std::max(i, next) - 1;
  }
  return n;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::size_t next = 0;  // bytes before next are known good
  while (i + 16 <= n) {
    std::uint32_t m = high16(p + i);
    while (m) {
      const std::size_t k = i + static_cast<std::size_t>(__builtin_ctz(m));
      m &= m - 1;
      if (k < next) continue;
      const std::size_t len = utf8_sequence(s, k);
      if (len == 0) return false;
      next = k + len;
    }
    i = std::max(i + 16, next);
  }
  while (i < n) {
    if (static_cast<unsigned char>(p[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string clean_text(std::string_view s) {
  // Fast path: most text is clean ASCII or clean UTF-8.
  std::size_t i = first_unclean(s);
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  out.reserve(s.size());
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (!is_bad_control(c)) out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      ++i;  // drop the stray byte, resynchronize on the next one
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

DocumentCheck check_document(std::string_view s) {
  DocumentCheck check;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t next = 0;  // bytes before next are accounted for
  auto look = [&](std::size_t k) {
    if (k < next) return;
    const auto c = static_cast<unsigned char>(p[k]);
    next = k + 1;
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence(s, k);
      if (len == 0) {
        check.valid_utf8 = check.clean = false;
      } else {
        next = k + len;
      }
    } else if (c == '&') {
      if (k + 1 < n && p[k + 1] == '#') check.clean = false;
    } else if (is_bad_control(c)) {
      check.clean = false;
    }
  };
  std::size_t i = 0;
  while (i + 17 <= n) {
    std::uint32_t m = unclean_or_high16(p + i);
    while (m) {
      look(i + static_cast<std::size_t>(__builtin_ctz(m)));
      m &= m - 1;
    }
    i = std::max(i + 16, next);
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80 || c == '&' || is_bad_control(c)) look(i);
    i = std::max(i + 1, next) - 1;
  }
  return check;
}

void clean_text_in_place(std::string& s) {
  if (first_unclean(s) < s.size()) s = clean_text(s);
}

std::string collapse_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (is_space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

std::string_view html_entity(std::string_view name) {
  const auto* begin = std::begin(kEntities);
  const auto* end = std::end(kEntities);
  const auto* it = std::lower_bound(begin, end, name, [](const NamedEntity& e, std::string_view n) {
    return e.name < n;
  });
  if (it != end && it->name == name) return it->utf8;
  return {};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* replacement = nullptr;
    switch (s[i]) {
      case '&': replacement = "&amp;"; break;
      case '<': replacement = "&lt;"; break;
      case '>': replacement = "&gt;"; break;
      case '"': replacement = "&quot;"; break;
      default: continue;
    }
    out.append(s.substr(start, i - start));
    out.append(replacement);
    start = i + 1;
  }
  out.append(s.substr(start));
  return out;
}

namespace {

// Decodes the reference starting at raw[amp] ('&') into out; returns how many bytes of
// raw it took, or 0 when it is not a reference we know (the '&' is then text).
std::size_t decode_reference(std::string_view raw, std::size_t amp, std::string& out) {
  const char* r = raw.data() + amp + 1;
  const std::size_t left = raw.size() - amp - 1;
  // The references escaped HTML is made of come first, without a lookup.
  if (left >= 3 && r[1] == 't' && r[2] == ';') {
    if (r[0] == 'l') return out.push_back('<'), 4;
    if (r[0] == 'g') return out.push_back('>'), 4;
  }
  if (left >= 4 && r[0] == 'a' && r[1] == 'm' && r[2] == 'p' && r[3] == ';') return out.push_back('&'), 5;
  if (left >= 5 && r[0] == 'q' && r[1] == 'u' && r[2] == 'o' && r[3] == 't' && r[4] == ';') {
    return out.push_back('"'), 6;
  }
  if (left >= 5 && r[0] == 'a' && r[1] == 'p' && r[2] == 'o' && r[3] == 's' && r[4] == ';') {
    return out.push_back('\''), 6;
  }
  if (left >= 3 && r[0] == '#') {
    const bool hex = r[1] == 'x' || r[1] == 'X';
    std::size_t k = hex ? 2 : 1;
    char32_t cp = 0;
    const std::size_t start = k;
    while (k < left && k - start <= 8) {
      const char c = r[k];
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
      ++k;
    }
    if (k == start || k >= left || r[k] != ';' || k - start > 8) return 0;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return k + 2;  // dropped
    append_utf8(out, cp);
    return k + 2;
  }
  std::size_t k = 0;
  while (k < left && k < 32 &&
         ((r[k] >= 'a' && r[k] <= 'z') || (r[k] >= 'A' && r[k] <= 'Z') || (r[k] >= '0' && r[k] <= '9'))) {
    ++k;
  }
  if (k == 0 || k >= left || r[k] != ';') return 0;
  const std::string_view text = html_entity(std::string_view(r, k));
  if (text.empty()) return 0;
  out.append(text);
  return k + 2;
}

}  // namespace

namespace {

void append_decoded_slow(std::string& out, std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size()) {
    const void* hit = std::memchr(raw.data() + i, '&', raw.size() - i);
    if (!hit) {
      out.append(raw.substr(i));
      return;
    }
    const auto amp = static_cast<std::size_t>(static_cast<const char*>(hit) - raw.data());
    out.append(raw.substr(i, amp - i));
    const std::size_t used = decode_reference(raw, amp, out);
    if (used == 0) {
      out.push_back('&');
      i = amp + 1;
    } else {
      i = amp + used;
    }
  }
}

#ifdef __SSE2__
std::uint32_t amp16(const char* p) {
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(load16(p), _mm_set1_epi8('&'))));
}
#endif

}  // namespace

void append_decoded(std::string& out, std::string_view raw) {
#ifdef __SSE2__
  // Decoding never makes text longer (a reference is at least as long as what it
  // stands for; the rare HTML name that is not goes to the slow path), so the output
  // is written in place, 16 bytes at a time between references.
  const std::size_t base = out.size();
  out.resize(base + raw.size() + 16);
  char* dst = out.data() + base;
  const char* src = raw.data();
  const std::size_t n = raw.size();
  std::size_t i = 0, w = 0;
  std::string ref;  // one decoded reference
  while (i < n) {
    if (i + 16 <= n) {
      const std::uint32_t m = amp16(src + i);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + w), load16(src + i));
      if (m == 0) {
        i += 16;
        w += 16;
        continue;
      }
      const auto k = static_cast<std::size_t>(__builtin_ctz(m));
      i += k;
      w += k;
    } else if (src[i] != '&') {
      dst[w++] = src[i++];
      continue;
    }
    // src[i] == '&'. Escaped HTML is mostly these four: no call, no copy.
    if (i + 4 <= n) {
      const char* r = src + i + 1;
      if (r[1] == 't' && r[2] == ';' && (r[0] == 'l' || r[0] == 'g')) {
        dst[w++] = r[0] == 'l' ? '<' : '>';
        i += 4;
        continue;
      }
      if (i + 5 <= n && r[0] == 'a' && r[1] == 'm' && r[2] == 'p' && r[3] == ';') {
        dst[w++] = '&';
        i += 5;
        continue;
      }
      if (i + 6 <= n && r[0] == 'q' && r[1] == 'u' && r[2] == 'o' && r[3] == 't' && r[4] == ';') {
        dst[w++] = '"';
        i += 6;
        continue;
      }
    }
    ref.clear();
    const std::size_t used = decode_reference(raw, i, ref);
    if (used == 0) {
      dst[w++] = '&';
      ++i;
    } else if (ref.size() <= used) {
      std::memcpy(dst + w, ref.data(), ref.size());
      w += ref.size();
      i += used;
    } else {
      out.resize(base + w);
      append_decoded_slow(out, raw.substr(i));
      return;
    }
  }
  out.resize(base + w);
#else
  append_decoded_slow(out, raw);
#endif
}

namespace {

// The length of "&name;" at s[amp] when name is one of HTML's references that is safe to
// decode in text (not XML's, not markup), and its text; 0 otherwise.
std::size_t html_name_at(std::string_view s, std::size_t amp, std::string_view& text) {
  std::size_t k = amp + 1;
  while (k < s.size() && k - amp <= 32 &&
         ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9'))) {
    ++k;
  }
  if (k == amp + 1 || k >= s.size() || s[k] != ';') return 0;
  text = html_entity(s.substr(amp + 1, k - amp - 1));
  if (text.empty() || text.find_first_of("<>&\"'") != std::string_view::npos) return 0;
  return k - amp + 1;
}

}  // namespace

void decode_html_names(std::string& s) {
  std::size_t amp = s.find('&');
  if (amp == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  std::size_t copied = 0;
  while (amp != std::string::npos) {
    std::string_view text;
    const std::size_t len = html_name_at(s, amp, text);
    if (len != 0) {
      out.append(s, copied, amp - copied);
      out.append(text);
      copied = amp + len;
    }
    amp = s.find('&', amp + 1);
  }
  if (copied == 0) return;
  out.append(s, copied, std::string::npos);
  s = std::move(out);
}

std::size_t find_any3(std::string_view s, std::size_t from, char a, char b, char c) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = from;
#ifdef __SSE2__
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c);
  while (i + 16 <= n) {
    const __m128i v = load16(p + i);
    const auto m = static_cast<std::uint32_t>(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)), _mm_cmpeq_epi8(v, vc))));
    if (m) return i + static_cast<std::size_t>(__builtin_ctz(m));
    i += 16;
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == a || p[i] == b || p[i] == c) return i;
  }
  return n;
}

void append_html_text(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = find_any3(s, 0, '&', '<', '>'); i < s.size(); i = find_any3(s, i + 1, '&', '<', '>')) {
    const char c = s[i];
    const char* replacement = nullptr;
    if (c == '<') {
      replacement = "&lt;";
    } else if (c == '>') {
      replacement = "&gt;";
    } else if (c == '&') {
      std::string_view text;
      if (html_name_at(s, i, text) != 0) continue;
      replacement = "&amp;";
    } else {
      continue;
    }
    out.append(s.substr(start, i - start));
    out.append(replacement);
    start = i + 1;
  }
  out.append(s.substr(start));
}

std::string decode_references(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_decoded(out, s);
  return out;
}

void trim_in_place(std::string& s) {
  const std::string_view t = trim(s);
  if (t.size() == s.size()) return;
  const auto start = static_cast<std::size_t>(t.data() - s.data());
  const std::size_t len = t.size();
  s.erase(0, start);
  s.resize(len);
}

std::string html_to_text(std::string_view html) {
  if (html.find_first_of("<&") == std::string_view::npos) return collapse_space(html);
  std::string stripped;
  stripped.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<' && i + 1 < html.size() &&
        (std::isalpha(static_cast<unsigned char>(html[i + 1])) || html[i + 1] == '/' ||
         html[i + 1] == '!' || html[i + 1] == '?')) {
      const std::size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    stripped.push_back(c);
    ++i;
  }
  return collapse_space(decode_references(stripped));
}

}  // namespace feedd::feed
