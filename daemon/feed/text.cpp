#include "feed/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>

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

// Eight bytes that are all printable ASCII (0x20..0x7E): nothing to check or drop.
bool printable_ascii8(std::uint64_t w) {
  const std::uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHigh;
  const std::uint64_t x = w ^ (0x7F * kOnes);
  const std::uint64_t del = (x - kOnes) & ~x & kHigh;
  return ((w & kHigh) | below_space | del) == 0;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && (load8(s.data() + i) & kHigh) == 0) {
      i += 8;
      continue;
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
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && printable_ascii8(load8(s.data() + i))) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
    } else if (c < 0x80) {
      if (is_bad_control(c)) break;
      ++i;
    } else {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) break;
      i += n;
    }
  }
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
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      const std::uint64_t w = load8(p + i);
      const std::uint64_t amp = w ^ (0x26 * kOnes);
      if (((w & kHigh) | ((amp - kOnes) & ~amp & kHigh)) == 0) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(p[i]);
    if (c == '&') {
      ++i;
      if (scan.maybe_html_entities || i >= n) continue;
      const std::string_view rest = s.substr(i, 6);
      if (rest.empty() || rest[0] == '#' || rest.starts_with("lt;") || rest.starts_with("gt;") ||
          rest.starts_with("amp;") || rest.starts_with("quot;") || rest.starts_with("apos;")) {
        continue;
      }
      std::size_t e = i;
      while (e < n && e - i < 32 &&
             ((p[e] >= 'a' && p[e] <= 'z') || (p[e] >= 'A' && p[e] <= 'Z') || (p[e] >= '0' && p[e] <= '9'))) {
        ++e;
      }
      if (e < n && e > i && p[e] == ';') scan.maybe_html_entities = true;
    } else if (c >= 0x80) {
      const std::size_t len = utf8_sequence(s, i);
      if (len == 0) {
        scan.valid_utf8 = false;
        ++i;
      } else {
        i += len;
      }
    } else {
      ++i;
    }
  }
  return scan;
}

void clean_text_in_place(std::string& s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    if (i + 8 <= n && printable_ascii8(load8(s.data() + i))) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence(s, i);
      if (len == 0) break;
      i += len;
    } else if (is_bad_control(c)) {
      break;
    } else {
      ++i;
    }
  }
  if (i < n) s = clean_text(s);
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
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
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
