#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config/opml.hpp"

using feedd::config::OpmlFeed;
using feedd::config::parse_opml;

namespace {

bool same(const OpmlFeed& a, const OpmlFeed& b) {
  return a.url == b.url && a.title == b.title && a.tags == b.tags;
}

}  // namespace

TEST_CASE("an outline's title wins over its text, and a title that is only the URL is dropped") {
  auto r = parse_opml(R"(<opml version="2.0"><body>
<outline text="Text only" xmlUrl="https://a.example/feed"/>
<outline text="Text" title="Title" xmlUrl="https://b.example/feed"/>
<outline title="https://c.example/feed" xmlUrl="https://c.example/feed"/>
</body></opml>)");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].title == "Text only");
  CHECK((*r)[1].title == "Title");
  CHECK((*r)[2].title.empty());
}

TEST_CASE("folders and category attributes both become tags, each once, in order") {
  auto r = parse_opml(R"(<opml version="2.0"><body>
<outline text="News"><outline text="World">
  <outline text="W" xmlurl="https://w.example/rss" category="/News/Europe,politics"/>
</outline></outline>
<outline text="An empty folder"/>
</body></opml>)");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(same((*r)[0], {"https://w.example/rss", "W", {"News", "World", "Europe", "politics"}}));
}

TEST_CASE("a document that is not OPML is an error saying what it is") {
  CHECK(parse_opml("<rss version=\"2.0\"/>").error().message ==
        "not OPML: the root element is <rss>, not <opml>");
  CHECK(parse_opml("<opml").error().message.rfind("not XML: ", 0) == 0);
}

TEST_CASE("written OPML reads back into the same feeds") {
  std::vector<feedd::config::FeedConfig> feeds(2);
  feeds[0].url = "https://a.example/feed?x=1&y=2";
  feeds[0].title = "A & <B>";
  feeds[0].tags = {"news", "tech"};
  feeds[1].url = "https://b.example/feed";
  const std::string text = feedd::config::write_opml(feeds, "mine");
  CHECK(text.find("<opml version=\"2.0\">") != std::string::npos);
  auto r = parse_opml(text);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK(same((*r)[0], {"https://a.example/feed?x=1&y=2", "A & <B>", {"news", "tech"}}));
  CHECK(same((*r)[1], {"https://b.example/feed", "", {}}));
}

TEST_CASE("a feed's table is TOML that loads back into the same feed") {
  const std::string table = feedd::config::feed_table({"https://a.example/feed", "Say \"hi\"", {"x", "y"}});
  CHECK(table == "[[feed]]\nurl = \"https://a.example/feed\"\ntitle = \"Say \\\"hi\\\"\"\ntags = [\"x\", \"y\"]\n");
  auto loaded = feedd::config::load_string(table, "f.toml");
  REQUIRE(loaded.config.has_value());
  CHECK(loaded.config->feeds[0].title == "Say \"hi\"");
  CHECK(loaded.config->feeds[0].tags == std::vector<std::string>{"x", "y"});
}

TEST_CASE("text that is not UTF-8 or holds control characters is cleaned as a feed's is") {
  // An exporter that wrote windows-1252 bytes into a UTF-8 document, and a control
  // character by reference: neither may reach the config file import-opml writes.
  auto r = parse_opml("<opml version=\"2.0\"><body>"
                      "<outline text=\"Caf\xE9 \x93News\x94\" xmlUrl=\"https://a.example/feed\" category=\"t&#1;ech\"/>"
                      "</body></opml>");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(same((*r)[0], {"https://a.example/feed", "Caf News", {"tech"}}));
  const std::string table = feedd::config::feed_table((*r)[0]);
  CHECK(feedd::config::load_string(table, "imported.toml").config.has_value());
}

TEST_CASE("a folder's name is split into tags as a category is, so that writing gives it back") {
  auto r = parse_opml(R"(<opml version="2.0"><body>
<outline text="News/World, Daily">
  <outline text="W" xmlUrl="https://w.example/rss"/>
</outline>
</body></opml>)");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK(same((*r)[0], {"https://w.example/rss", "W", {"News", "World", "Daily"}}));

  std::vector<feedd::config::FeedConfig> feeds(1);
  feeds[0].url = (*r)[0].url;
  feeds[0].title = (*r)[0].title;
  feeds[0].tags = (*r)[0].tags;
  auto again = parse_opml(feedd::config::write_opml(feeds, "mine"));
  REQUIRE(again.ok());
  REQUIRE(again->size() == 1);
  CHECK(same((*again)[0], (*r)[0]));
}
