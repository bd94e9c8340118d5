#include "feed/encoding.hpp"

#include <iconv.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <memory>
#include <optional>

#include "feed/text.hpp"

namespace feedd::feed {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// windows-1252's 0x80..0x9F; the five bytes it leaves undefined keep their Latin-1 C1
// meaning (dropped later as controls would be, never a crash).
constexpr std::array<char16_t, 32> kCp1252High{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string from_single_byte(std::string_view bytes, bool cp1252) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else if (cp1252 && c < 0xA0) {
      append_utf8(out, kCp1252High[c - 0x80]);
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

struct IconvCloser {
  void operator()(void* cd) const noexcept { iconv_close(static_cast<iconv_t>(cd)); }
};

// nullopt when iconv does not know the charset or the bytes are not in it.
std::optional<std::string> iconv_to_utf8(std::string_view bytes, const std::string& charset) {
  iconv_t raw = iconv_open("UTF-8", charset.c_str());
  if (raw == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::unique_ptr<void, IconvCloser> cd(raw);
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  // iconv takes non-const pointers but does not write through inbuf.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  std::size_t used = 0;
  while (in_left > 0) {
    char* dst = out.data() + used;
    std::size_t out_left = out.size() - used;
    const std::size_t rc = iconv(raw, &in, &in_left, &dst, &out_left);
    used = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    if (errno == EINVAL) break;  // a sequence cut at the end: drop it
    return std::nullopt;         // EILSEQ: not this charset
  }
  out.resize(used);
  return out;
}

bool is_utf8_name(std::string_view n) { return n == "utf-8" || n == "utf8"; }
bool is_ascii_name(std::string_view n) {
  return n == "us-ascii" || n == "ascii" || n == "iso646-us" || n == "ansi_x3.4-1968";
}
bool is_latin1_name(std::string_view n) {
  return n == "iso-8859-1" || n == "iso8859-1" || n == "latin1" || n == "latin-1" ||
         n == "l1" || n == "iso_8859-1";
}
bool is_cp1252_name(std::string_view n) {
  return n == "windows-1252" || n == "cp1252" || n == "x-cp1252";
}

// The UTF-16/32 family: a BOM picks the byte order; without one the name may say it.
struct Bom {
  std::string_view charset;
  std::size_t length;
};

Bom detect_bom(std::string_view b) {
  auto starts = [&](std::initializer_list<unsigned char> p) {
    if (b.size() < p.size()) return false;
    std::size_t i = 0;
    for (unsigned char c : p) {
      if (static_cast<unsigned char>(b[i++]) != c) return false;
    }
    return true;
  };
  if (starts({0xEF, 0xBB, 0xBF})) return {"utf-8", 3};
  if (starts({0x00, 0x00, 0xFE, 0xFF})) return {"utf-32be", 4};
  if (starts({0xFF, 0xFE, 0x00, 0x00})) return {"utf-32le", 4};
  if (starts({0xFE, 0xFF})) return {"utf-16be", 2};
  if (starts({0xFF, 0xFE})) return {"utf-16le", 2};
  // No BOM, but "<?" in a wide encoding (XML 1.0 appendix F).
  if (starts({0x00, 0x00, 0x00, 0x3C})) return {"utf-32be", 0};
  if (starts({0x3C, 0x00, 0x00, 0x00})) return {"utf-32le", 0};
  if (starts({0x00, 0x3C, 0x00, 0x3F})) return {"utf-16be", 0};
  if (starts({0x3C, 0x00, 0x3F, 0x00})) return {"utf-16le", 0};
  return {"", 0};
}

Decoded fallback(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return {std::string(bytes), "utf-8"};
  return {from_single_byte(bytes, true), "windows-1252"};
}

Decoded convert(std::string_view bytes, const std::string& name) {
  if (is_utf8_name(name)) {
    // Declared UTF-8 with a few bad bytes stays UTF-8 (they are dropped as text is
    // cleaned); only bytes that are not UTF-8 at all are read as windows-1252.
    const DocumentCheck check = check_document(bytes);
    if (check.valid_utf8) return {std::string(bytes), "utf-8", check.clean};
    std::size_t high = 0;
    for (char c : bytes) high += static_cast<unsigned char>(c) >= 0x80;
    const std::size_t bad = bytes.size() - clean_text(bytes).size();
    if (high > 0 && bad * 2 > high) return {from_single_byte(bytes, true), "windows-1252"};
    return {std::string(bytes), "utf-8"};
  }
  if (is_ascii_name(name)) {
    // Declared ASCII but with high bytes: the declaration is wrong.
    return fallback(bytes);
  }
  if (is_latin1_name(name)) {
    // Servers say iso-8859-1 of windows-1252 text all the time; browsers read it as
    // windows-1252 too (the WHATWG encoding standard), and C1 controls are never text.
    bool c1 = false;
    for (char c : bytes) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80 && u < 0xA0) {
        c1 = true;
        break;
      }
    }
    return {from_single_byte(bytes, true), c1 ? "windows-1252" : "iso-8859-1"};
  }
  if (is_cp1252_name(name)) return {from_single_byte(bytes, true), "windows-1252"};
  if (auto converted = iconv_to_utf8(bytes, name)) return {std::move(*converted), name};
  return fallback(bytes);
}

}  // namespace

std::string charset_from_content_type(std::string_view ct) {
  std::string lower = lower_ascii(ct);
  const auto pos = lower.find("charset=");
  if (pos == std::string::npos) return {};
  std::string_view v = std::string_view(lower).substr(pos + 8);
  if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
    const char q = v[0];
    v.remove_prefix(1);
    v = v.substr(0, v.find(q));
  } else {
    v = v.substr(0, v.find_first_of("; \t"));
  }
  return std::string(trim(v));
}

std::string declared_encoding(std::string_view s) {
  if (!s.starts_with("<?xml")) return {};
  const auto end = s.find("?>");
  const std::string_view decl = s.substr(0, end == std::string_view::npos ? 200 : end);
  const auto pos = decl.find("encoding");
  if (pos == std::string_view::npos) return {};
  std::string_view v = decl.substr(pos + 8);
  v = trim(v);
  if (v.empty() || v[0] != '=') return {};
  v.remove_prefix(1);
  v = trim(v);
  if (v.empty() || (v[0] != '"' && v[0] != '\'')) return {};
  const char q = v[0];
  v.remove_prefix(1);
  return lower_ascii(trim(v.substr(0, v.find(q))));
}

Decoded decode(std::string_view bytes, std::string_view content_type) {
  const Bom bom = detect_bom(bytes);
  if (!bom.charset.empty()) {
    const std::string_view body = bytes.substr(bom.length);
    if (bom.charset == "utf-8") return convert(body, "utf-8");
    if (auto converted = iconv_to_utf8(body, std::string(bom.charset))) {
      return {std::move(*converted), std::string(bom.charset)};
    }
    return fallback(body);
  }
  std::string name = charset_from_content_type(content_type);
  if (name.empty()) name = declared_encoding(bytes);
  if (name.empty()) return convert(bytes, "utf-8");  // XML's default
  // "utf-16" named without a BOM: XML says big-endian unless the bytes say otherwise.
  if (name == "utf-16" || name == "utf-32") {
    if (auto converted = iconv_to_utf8(bytes, name + "be")) return {std::move(*converted), name};
    return fallback(bytes);
  }
  return convert(bytes, name);
}

}  // namespace feedd::feed
