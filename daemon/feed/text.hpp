#pragma once
// Text as it enters the model: valid UTF-8, no C0 controls, HTML entities and escaping.

#include <string>
#include <string_view>

#include "common/ascii.hpp"

namespace feedd::feed {

// Drops C0 control characters (tab, newline and carriage return excepted), DEL, invalid
// UTF-8 sequences, surrogates and non-characters U+FFFE/U+FFFF: what XML 1.0
// cannot carry. Returns the input unchanged when it is already clean.
std::string clean_text(std::string_view s);
// True when every byte of s belongs to a well-formed UTF-8 sequence.
bool is_valid_utf8(std::string_view s);

// One pass over a whole decoded document. valid_utf8: every byte belongs to a
// well-formed sequence. clean: besides, no control character clean_text would drop and
// no numeric character reference ("&#") that could produce one: then no text read
// from the document needs cleaning.
struct DocumentCheck {
  bool valid_utf8 = true;
  bool clean = true;
};
DocumentCheck check_document(std::string_view s);

// clean_text on a string of our own, copying only when something must go.
void clean_text_in_place(std::string& s);

// Leading and trailing XML whitespace removed (one trim for markup and protocol text).
using feedd::trim;
// Runs of whitespace become one space, ends trimmed.
std::string collapse_space(std::string_view s);

// The UTF-8 text of an HTML named character reference without '&' and ';'
// ("nbsp" -> U+00A0), or an empty view when HTML defines no such name.
// The five XML predefined names are not in the table.
std::string_view html_entity(std::string_view name);

// '&', '<', '>', '"' escaped: plain text made safe to embed in HTML.
std::string html_escape(std::string_view s);
// HTML reduced to its text: tags dropped, character references decoded, whitespace
// collapsed. For titles given as HTML.
std::string html_to_text(std::string_view html);
// Character references (named, decimal, hex) decoded; unknown ones kept as written.
std::string decode_references(std::string_view s);
// The same, appended to out.
void append_decoded(std::string& out, std::string_view raw);

// HTML's named references that XML does not define (&nbsp; &mdash; &eacute; ..., which
// feeds use without a DTD) decoded in text the XML parser has already read: it leaves
// them as written. XML's five, numeric references and unknown names are left alone, and
// so are names that stand for markup characters (&LT;), so that decoding never makes
// text into markup.
void decode_html_names(std::string& s);
// Text escaped for HTML ('&', '<', '>'), except that an '&' starting one of HTML's named
// references is kept: the reference then means in HTML what the feed meant by it.
void append_html_text(std::string& out, std::string_view s);
// Trailing and leading XML whitespace removed from s itself.
void trim_in_place(std::string& s);

void append_utf8(std::string& out, char32_t cp);

// The index of the first of the bytes a, b, c in s at or after from, or s.size().
std::size_t find_any3(std::string_view s, std::size_t from, char a, char b, char c);

}  // namespace feedd::feed
