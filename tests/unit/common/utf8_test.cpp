#include <doctest/doctest.h>

#include <string>

#include "common/utf8.hpp"

using feedd::printable;
using feedd::utf8_sequence;

TEST_CASE("utf8_sequence measures well-formed sequences and refuses the rest") {
  CHECK(utf8_sequence("a", 0) == 1);
  CHECK(utf8_sequence("\xC3\xA9", 0) == 2);          // é
  CHECK(utf8_sequence("\xE2\x82\xAC", 0) == 3);      // €
  CHECK(utf8_sequence("\xF0\x9F\x93\xB0", 0) == 4);  // 📰
  CHECK(utf8_sequence("\xC3", 0) == 0);              // cut short
  CHECK(utf8_sequence("\xC0\xAF", 0) == 0);          // overlong
  CHECK(utf8_sequence("\xED\xA0\x80", 0) == 0);      // a surrogate
  CHECK(utf8_sequence("\xEF\xBF\xBE", 0) == 0);      // U+FFFE
  CHECK(utf8_sequence("\x94", 0) == 0);              // a lone continuation byte
}

TEST_CASE("printable keeps text, non-ASCII included, and escapes what would break a line") {
  CHECK(printable("feed=https://example.org/ status=200") == "feed=https://example.org/ status=200");
  CHECK(printable("Добрый день, café 📰") == "Добрый день, café 📰");
  CHECK(printable("one\ntwo\r\n\tthree") == "one\\ntwo\\r\\n\\tthree");
  CHECK(printable(std::string("nul\0esc\x1b[31mdel\x7f", 16)) == "nul\\x00esc\\x1B[31mdel\\x7F");
  CHECK(printable("caf\xE9 \x94quoted\x94") == "caf\\xE9 \\x94quoted\\x94");  // windows-1252 bytes
  CHECK(printable("cut \xE2\x82") == "cut \\xE2\\x82");
  CHECK(printable("") == "");
}
