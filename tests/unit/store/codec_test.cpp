#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "store/codec.hpp"

using namespace feedd;
using namespace feedd::store;

namespace {

// The object as the JSON library writes it: what encode_extra must match byte for byte.
std::string reference(const std::vector<feed::Person>& authors, const std::vector<std::string>& categories,
                      const std::vector<feed::Enclosure>& enclosures) {
  using nlohmann::json;
  if (authors.empty() && categories.empty() && enclosures.empty()) return {};
  json out = json::object();
  if (!authors.empty()) {
    json list = json::array();
    for (const auto& p : authors) {
      json person = json::object();
      if (!p.name.empty()) person["n"] = p.name;
      if (!p.email.empty()) person["e"] = p.email;
      if (!p.uri.empty()) person["u"] = p.uri;
      list.push_back(person);
    }
    out["a"] = list;
  }
  if (!categories.empty()) out["c"] = categories;
  if (!enclosures.empty()) {
    json list = json::array();
    for (const auto& e : enclosures) {
      json item = json::object();
      item["u"] = e.url;
      if (!e.type.empty()) item["t"] = e.type;
      if (e.length) item["l"] = *e.length;
      list.push_back(item);
    }
    out["x"] = list;
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string all_controls() {
  std::string s;
  for (int c = 1; c < 0x20; ++c) s += static_cast<char>(c);
  return s + "\x7f";
}

}  // namespace

TEST_CASE("encode_extra writes what the JSON library writes, escapes and all") {
  const std::vector<std::string> texts = {
      "",
      "plain",
      "quote \" and backslash \\ and slash /",
      all_controls(),
      "tab\there, newline\nthere, \r\b\f",
      "\u00e9t\u00e9 \u2014 \u041c\u043e\u0441\u043a\u0432\u0430 \u2028 \U0001F600",
      "\"\\\"",
  };
  for (const auto& t : texts) {
    CAPTURE(t);
    const std::vector<feed::Person> authors{{t, "ann@example.org", ""}, {"", "", t}, {"", "", ""}};
    const std::vector<std::string> categories{t, "tech", ""};
    const std::vector<feed::Enclosure> enclosures{
        {"https://example.org/a.mp3", t, 1234}, {t, "", std::nullopt}, {"", "audio/mpeg", -1},
        {"u", "", INT64_MAX}, {"u", "", 0}};
    CHECK(codec::encode_extra(authors, categories, enclosures) == reference(authors, categories, enclosures));
    CHECK(codec::encode_extra(authors, {}, {}) == reference(authors, {}, {}));
    CHECK(codec::encode_extra({}, categories, {}) == reference({}, categories, {}));
    CHECK(codec::encode_extra({}, {}, enclosures) == reference({}, {}, enclosures));
    CHECK(codec::encode_extra(authors, {}, enclosures) == reference(authors, {}, enclosures));

    const auto back = codec::decode_extra(codec::encode_extra(authors, categories, enclosures));
    REQUIRE(back.authors.size() == authors.size());
    CHECK(back.authors[0].name == t);
    CHECK(back.authors[1].uri == t);
    CHECK(back.categories == categories);
    REQUIRE(back.enclosures.size() == enclosures.size());
    CHECK(back.enclosures[0].type == t);
    CHECK(back.enclosures[1].url == t);
    CHECK(back.enclosures[3].length == INT64_MAX);
  }
  CHECK(codec::encode_extra({}, {}, {}).empty());
}

TEST_CASE("encode_extra replaces bytes that are not UTF-8 as the JSON library does") {
  const std::vector<std::string> categories{"bad \xff byte", "cut \xe2\x80", "ok"};
  const auto text = codec::encode_extra({}, categories, {});
  CHECK(text == reference({}, categories, {}));
  const auto back = codec::decode_extra(text);
  REQUIRE(back.categories.size() == 3);
  CHECK(back.categories[2] == "ok");
}
