#include <doctest/doctest.h>

#include "feed/encoding.hpp"
#include "feed/parser.hpp"
#include "fixture.hpp"

using namespace feedd;
using namespace feedd::feed;
using namespace feedd::feed::test;

TEST_CASE("a Latin-1 declaration is honoured and reported") {
  const Feed feed = parse_fixture("encoding_latin1_declared.xml");
  CHECK(feed.encoding == "iso-8859-1");
  CHECK(feed.title == "Caf\u00e9 na\u00efve \u00a9");
}

TEST_CASE("windows-1252 curly quotes, dashes and the euro sign become UTF-8") {
  const Feed feed = parse_fixture("encoding_windows1252_quotes.xml");
  CHECK(feed.encoding == "windows-1252");
  CHECK(feed.title == "\u201cSmart\u201d \u2014 \u20ac5");
}

TEST_CASE("KOI8-R is converted through iconv") {
  const Feed feed = parse_fixture("encoding_koi8r_declared.xml");
  CHECK(feed.encoding == "koi8-r");
  CHECK(feed.title == "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440");
}

TEST_CASE("the HTTP charset decides when the document does not say") {
  ParseOptions options;
  options.content_type = "application/rss+xml; charset=\"Windows-1251\"";
  const Feed feed = parse_fixture("encoding_windows1251_http_charset_only.xml", options);
  CHECK(feed.encoding == "windows-1251");
  CHECK(feed.title == "\u041d\u043e\u0432\u043e\u0441\u0442\u0438");
}

TEST_CASE("the HTTP charset outranks the XML declaration") {
  ParseOptions options;
  options.content_type = "text/xml; charset=koi8-r";
  const std::string doc = fixture("encoding_koi8r_declared.xml");
  CHECK(parse(doc, options)->encoding == "koi8-r");
  options.content_type = "text/xml; charset=utf-8";
  // KOI8-R bytes are not UTF-8: a wrong charset falls back instead of failing.
  auto result = parse(doc, options);
  REQUIRE(result.ok());
  CHECK(result->encoding == "windows-1252");
}

TEST_CASE("UTF-16 with a byte order mark is converted") {
  const Feed feed = parse_fixture("encoding_utf16le_bom.xml");
  CHECK(feed.encoding == "utf-16le");
  CHECK(feed.title == "\u65e5\u672c\u8a9e UTF-16");
}

TEST_CASE("UTF-16 without a byte order mark is recognized from its first bytes") {
  const Feed feed = parse_fixture("encoding_utf16be_no_bom.xml");
  CHECK(feed.title == "\u00c5ngstr\u00f6m");
}

TEST_CASE("UTF-32 with a byte order mark is converted") {
  const Feed feed = parse_fixture("encoding_utf32le_bom.xml");
  CHECK(feed.encoding == "utf-32le");
  CHECK(feed.title == "\U0001F600 wide");
}

TEST_CASE("a byte order mark outranks the HTTP charset and the declaration") {
  ParseOptions options;
  options.content_type = "text/xml; charset=iso-8859-1";
  const Feed feed = parse_fixture("encoding_bom_beats_declaration.xml", options);
  CHECK(feed.encoding == "utf-8");
  CHECK(feed.title == "\u00fcber");
}

TEST_CASE("bytes declared UTF-8 that are not UTF-8 at all are read as windows-1252") {
  const Feed feed = parse_fixture("encoding_declared_utf8_but_latin1.xml");
  CHECK(feed.encoding == "windows-1252");
  CHECK(feed.title == "D\u00e9j\u00e0 vu \u00e0 la cr\u00e8me");
}

TEST_CASE("an unknown charset over valid UTF-8 stays UTF-8") {
  const Feed feed = parse_fixture("encoding_unknown_charset_valid_utf8.xml");
  CHECK(feed.encoding == "utf-8");
  CHECK(feed.title == "Gr\u00fc\u00dfe");
}

TEST_CASE("an unknown charset over other bytes falls back to windows-1252") {
  const Decoded d = decode("<a>\xe9t\xe9</a>", "text/xml; charset=x-martian");
  CHECK(d.encoding == "windows-1252");
  CHECK(d.text == "<a>\u00e9t\u00e9</a>");
}

TEST_CASE("C0 controls and invalid UTF-8 are removed as text enters the model") {
  const Feed feed = parse_fixture("text_control_chars_and_invalid_utf8.xml");
  CHECK(feed.encoding == "utf-8");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "Gr\u00fc\u00dfe \u65e5\u672c, bell and  stray  bytes  ref");
}

TEST_CASE("the charset parameter is read from a Content-Type in any spelling") {
  CHECK(charset_from_content_type("text/xml; Charset=UTF-8") == "utf-8");
  CHECK(charset_from_content_type("application/xml;charset='iso-8859-2' ; q=1") == "iso-8859-2");
  CHECK(charset_from_content_type("application/rss+xml") == "");
}
