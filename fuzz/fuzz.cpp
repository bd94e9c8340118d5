#include "fuzz.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/utf8.hpp"
#include "feed/text.hpp"

namespace feedd::fuzz {

void fail(const char* file, int line, const char* check, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %.*s\n", file, line, check,
               static_cast<int>(detail.size() > 400 ? 400 : detail.size()), detail.data());
  std::abort();
}

bool is_clean_text(std::string_view s) {
  if (!feed::is_valid_utf8(s)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) return false;
  }
  return true;
}

std::string first_unclean(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto u = static_cast<unsigned char>(s[i]);
    const std::size_t len = utf8_sequence(s, i);
    if (len == 0 || (u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7F) break;
    i += len;
  }
  if (i == s.size()) return {};
  std::string out = "at byte " + std::to_string(i) + ":";
  for (std::size_t k = i; k < s.size() && k < i + 6; ++k) {
    char hex[4];
    std::snprintf(hex, sizeof hex, " %02X", static_cast<unsigned char>(s[k]));
    out += hex;
  }
  return out;
}

bool is_one_line(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

}  // namespace feedd::fuzz
