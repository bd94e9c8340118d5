#pragma once
// Bytes to UTF-8. The encoding is decided as RFC 7303 section 3 orders it: a byte order
// mark, then the charset of the HTTP Content-Type, then the XML declaration, then UTF-8.
// Conversion goes through glibc's iconv, so every charset it knows is read; Latin-1 and
// windows-1252, the common ones, are converted here directly.

#include <string>
#include <string_view>

namespace feedd::feed {

struct Decoded {
  std::string text;      // UTF-8 (stray invalid sequences are left for clean_text)
  std::string encoding;  // what the bytes were read as, lower case: "utf-8", "windows-1252"
  bool clean = false;    // check_document found nothing any text would need cleaned of
};

// The charset parameter of a Content-Type header value, lower case, or empty.
std::string charset_from_content_type(std::string_view content_type);
// The encoding pseudo-attribute of an XML declaration at the start of s, or empty.
std::string declared_encoding(std::string_view s);

// Never fails: an unknown or wrong charset falls back to UTF-8 when the bytes are valid
// UTF-8, and to windows-1252 otherwise.
Decoded decode(std::string_view bytes, std::string_view content_type);

}  // namespace feedd::feed
