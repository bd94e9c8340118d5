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

namespace feedd::feed {
namespace {

struct NamedEntity {
  std::string_view name;
  std::string_view utf8;
};

constexpr NamedEntity kEntities[] = {
#include "feed/html_entities.inc"
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  return len;
}

bool is_bad_control(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F; }

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;

std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Index of the first byte whose high bit is set in mask.
std::size_t first_flagged(std::uint64_t mask) { return static_cast<std::size_t>(__builtin_ctzll(mask)) >> 3; }

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
// '&' that does not start &lt; &gt; &amp; &quot; or a numeric reference (the ones
// escaped HTML is made of), or a byte >= 0x80. Reads p[0, 19).
std::uint32_t unusual_amp_or_high16(const char* p) {
  const __m128i v0 = load16(p);
  const __m128i v1 = load16(p + 1);
  const __m128i v2 = load16(p + 2);
  const __m128i v3 = load16(p + 3);
  auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  const __m128i lt_gt = _mm_and_si128(_mm_or_si128(eq(v1, 'l'), eq(v1, 'g')),
                                      _mm_and_si128(eq(v2, 't'), eq(v3, ';')));
  const __m128i amp = _mm_and_si128(eq(v1, 'a'), _mm_and_si128(eq(v2, 'm'), eq(v3, 'p')));
  const __m128i quot = _mm_and_si128(eq(v1, 'q'), _mm_and_si128(eq(v2, 'u'), eq(v3, 'o')));
  const __m128i known = _mm_or_si128(_mm_or_si128(lt_gt, amp), _mm_or_si128(quot, eq(v1, '#')));
  const __m128i unusual = _mm_andnot_si128(known, eq(v0, '&'));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(v0, unusual)));
}
#else
std::uint32_t unusual_amp_or_high16(const char* p) {
  std::uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    const auto c = static_cast<unsigned char>(p[k]);
    if (c == '&' || c >= 0x80) m |= 1u << k;
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
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      const std::uint64_t mask = load8(s.data() + i) & kHigh;
      if (mask == 0) {
        i += 8;
        continue;
      }
      i += first_flagged(mask);
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
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

DocumentScan scan_document(std::string_view s) {
  DocumentScan scan;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t next = 0;  // bytes before next are accounted for
  auto look = [&](std::size_t k) {
    if (k < next) return;
    const auto c = static_cast<unsigned char>(p[k]);
    next = k + 1;
    if (c == '&') {
      if (scan.maybe_html_entities || k + 5 > n) return;
      // The references escaped HTML is made of, checked without a call.
      const char* r = p + k + 1;
      if (r[0] == '#' || (r[1] == 't' && r[2] == ';' && (r[0] == 'l' || r[0] == 'g')) ||
          (r[0] == 'a' && r[1] == 'm' && r[2] == 'p' && r[3] == ';') ||
          (r[0] == 'q' && r[1] == 'u' && r[2] == 'o' && r[3] == 't')) {
        return;
      }
      const std::size_t start = k + 1;
      std::size_t e = start;
      while (e < n && e - start < 32 &&
             ((p[e] >= 'a' && p[e] <= 'z') || (p[e] >= 'A' && p[e] <= 'Z') || (p[e] >= '0' && p[e] <= '9'))) {
        ++e;
      }
      if (e < n && e > start && p[e] == ';' && !(e - start == 4 && s.substr(start, 4) == "apos")) {
        scan.maybe_html_entities = true;
      }
    } else if (c >= 0x80) {
      const std::size_t len = utf8_sequence(s, k);
      if (len == 0) scan.valid_utf8 = false;
      else next = k + len;
    }
  };
  std::size_t i = 0;
  while (i + 19 <= n) {
    std::uint32_t m = unusual_amp_or_high16(p + i);
    while (m) {
      look(i + static_cast<std::size_t>(__builtin_ctz(m)));
      m &= m - 1;
    }
    i = std::max(i + 16, next);
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == '&' || c >= 0x80) look(i);
  }
  return scan;
}

void clean_text_in_place(std::string& s) {
  if (first_unclean(s) < s.size()) s = clean_text(s);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
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

std::string decode_references(std::string_view s) {
  if (s.find('&') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    i = amp;
    const std::size_t semi = s.find(';', amp + 1);
    if (semi == std::string_view::npos || semi - amp > 40) {
      out.push_back('&');
      ++i;
      continue;
    }
    const std::string_view name = s.substr(amp + 1, semi - amp - 1);
    bool done = false;
    if (name.size() >= 2 && name[0] == '#') {
      char32_t cp = 0;
      bool ok = true;
      const bool hex = name[1] == 'x' || name[1] == 'X';
      const std::string_view digits = name.substr(hex ? 2 : 1);
      ok = !digits.empty() && digits.size() <= 8;
      for (char c : digits) {
        if (!ok) break;
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) ok = false;
        else cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(v);
      }
      if (ok && cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        append_utf8(out, cp);
        done = true;
      }
    } else if (name == "amp") {
      out.push_back('&'), done = true;
    } else if (name == "lt") {
      out.push_back('<'), done = true;
    } else if (name == "gt") {
      out.push_back('>'), done = true;
    } else if (name == "quot") {
      out.push_back('"'), done = true;
    } else if (name == "apos") {
      out.push_back('\''), done = true;
    } else if (auto text = html_entity(name); !text.empty()) {
      out.append(text), done = true;
    }
    if (done) {
      i = semi + 1;
    } else {
      out.push_back('&');
      ++i;
    }
  }
  return out;
}

std::string html_to_text(std::string_view html) {
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
