#pragma once
// UTF-8 as feedd reads it: well-formed sequences only, no surrogates, no U+FFFE/U+FFFF.

#include <cstddef>
#include <string>
#include <string_view>

namespace feedd {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid. Inline:
// the parser calls it for every non-ASCII character it checks.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
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

// s made safe for one line of a log or a terminal: line breaks and tabs become \n, \r
// and \t, other control characters (C0, DEL) and bytes that are not UTF-8 become \xNN.
// Everything else, non-ASCII text included, is kept. s itself when nothing needs it.
std::string printable(std::string_view s);

}  // namespace feedd
