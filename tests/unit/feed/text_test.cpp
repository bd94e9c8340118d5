#include <doctest/doctest.h>

#include <string>

#include "feed/recover.hpp"
#include "feed/text.hpp"

using namespace feedd::feed;

TEST_CASE("clean text keeps tabs and newlines and drops other C0 controls") {
  CHECK(clean_text("a\tb\nc\rd") == "a\tb\nc\rd");
  CHECK(clean_text(std::string("a\x01\x08\x0b\x0c\x1f\x7f" "b")) == "ab");
  CHECK(clean_text(std::string("nul\0here", 8)) == "nulhere");
}

TEST_CASE("clean text drops invalid UTF-8, overlong forms and surrogates, keeps valid text") {
  CHECK(clean_text("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(clean_text("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(clean_text("a\xff" "b") == "ab");
  CHECK(clean_text("a\xc0\xaf" "b") == "ab");          // overlong '/'
  CHECK(clean_text("a\xed\xa0\x80" "b") == "ab");      // UTF-16 surrogate
  CHECK(clean_text("cut \xe2\x82") == "cut ");         // truncated sequence
  CHECK(clean_text("\xef\xbf\xbe") == "");             // U+FFFE, not a character
}

TEST_CASE("HTML named references are looked up by their exact name") {
  CHECK(html_entity("nbsp") == "\xc2\xa0");
  CHECK(html_entity("mdash") == "\xe2\x80\x94");
  CHECK(html_entity("eacute") == "\xc3\xa9");
  CHECK(html_entity("Eacute") == "\xc3\x89");
  CHECK(html_entity("hellip") == "\xe2\x80\xa6");
  CHECK(html_entity("notanentity").empty());
  CHECK(html_entity("amp").empty());  // XML's own five are not rewritten
}

TEST_CASE("character data decodes XML's references, numeric ones and HTML's names") {
  CHECK(decode_references("a&nbsp;b &amp; &lt;&gt;&quot;&apos; &#160;&#xA0;") ==
        "a\xc2\xa0" "b & <>\"' \xc2\xa0\xc2\xa0");
  CHECK(decode_references("&mdash;&eacute;&hellip;") == "\xe2\x80\x94\xc3\xa9\xe2\x80\xa6");
}

TEST_CASE("an undefined reference or a bare ampersand stays as written") {
  CHECK(decode_references("&bogus; R&D & co &#xZZ; &#;") == "&bogus; R&D & co &#xZZ; &#;");
  CHECK(decode_references("trailing &") == "trailing &");
  CHECK(decode_references("&amp;nbsp;") == "&nbsp;");  // decoded once, not twice
}

TEST_CASE("a numeric reference to a surrogate or to nothing at all is dropped") {
  CHECK(decode_references("a&#xD800;b&#0;c") == "abc");
}

TEST_CASE("HTML to text drops tags and decodes references") {
  CHECK(html_to_text("A <b>bold</b>&nbsp;move &amp; <i>more</i>") == "A bold\xc2\xa0move & more");
  CHECK(html_to_text("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2");
  CHECK(html_to_text("&#x41;&#66;&unknown;") == "AB&unknown;");
}

TEST_CASE("the tag balancer closes what a truncated document left open") {
  CHECK(repair_markup("<a><b>text") == "<a><b>text</b></a>");
  CHECK(repair_markup("<rss><channel><item><title>x</title></item><item><title>cut") ==
        "<rss><channel><item><title>x</title></item></channel></rss>");
  CHECK(repair_markup("<a><b></a>") == "<a><b></b></a>");
  CHECK(repair_markup("<a></c>text</a>") == "<a>text</a>");
  CHECK(repair_markup("<a x=1 y>1 < 2</a>tail<b/>") == "<a x=\"1\" y=\"y\">1 &lt; 2</a>");
}
