#include <doctest/doctest.h>

#include <pugixml.hpp>

#include "output/merged_feed.hpp"

using feedd::output::MergedFeedMeta;
using feedd::output::render_atom;
using feedd::output::render_rss;
using feedd::store::StoredEntry;

namespace {

StoredEntry entry(std::string url, std::string title, std::string guid = {}) {
  StoredEntry e;
  e.id = 0;
  e.url = std::move(url);
  e.url_key = e.url;
  e.title = std::move(title);
  e.guid = std::move(guid);
  e.first_seen = feedd::Instant{std::chrono::seconds{1740668640}};  // 2025-02-27T15:04:00Z
  e.feed_url = "https://news.example.org/rss";
  e.feed_title = "Example News";
  e.feed_link = "https://news.example.org/";
  return e;
}

pugi::xml_document parse_strict(const std::string& xml) {
  pugi::xml_document doc;
  auto r = doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_declaration);
  INFO(r.description());
  REQUIRE(r);
  return doc;
}

}  // namespace

TEST_CASE("the merged Atom feed carries each entry with its link, source and UTC dates") {
  auto e = entry("https://news.example.org/a", "First", "https://news.example.org/?p=1");
  e.guid_is_id = true;
  e.published = feedd::Instant{std::chrono::seconds{1740668640}};
  e.summary = "<p>Hello</p>";
  auto doc = parse_strict(render_atom({e}, MergedFeedMeta{}));
  auto feed = doc.child("feed");
  CHECK(std::string(feed.attribute("xmlns").value()) == "http://www.w3.org/2005/Atom");
  CHECK(std::string(feed.child("author").child_value("name")) == "feedd");
  auto x = feed.child("entry");
  CHECK(std::string(x.child_value("id")) == "https://news.example.org/?p=1");
  CHECK(std::string(x.child_value("title")) == "First");
  CHECK(std::string(x.child("link").attribute("href").value()) == "https://news.example.org/a");
  CHECK(std::string(x.child_value("published")) == "2025-02-27T15:04:00Z");
  CHECK(std::string(x.child_value("summary")) == "<p>Hello</p>");
  CHECK(std::string(x.child("summary").attribute("type").value()) == "html");
  CHECK(std::string(x.child("source").child_value("title")) == "Example News");
  CHECK(std::string(feed.child_value("updated")) == "2025-02-27T15:04:00Z");
}

TEST_CASE("XML-hostile characters in entry text survive the merged feed intact") {
  const std::string hostile = "Tom & Jerry <script>\"quoted\" 'single' ]]> \x01\x1f end";
  auto e = entry("https://news.example.org/a?x=1&y=2", hostile);
  e.content = hostile;
  for (const auto& xml : {render_atom({e}, {}), render_rss({e}, {})}) {
    auto doc = parse_strict(xml);
    CHECK(xml.find('\x01') == std::string::npos);
    CHECK(xml.find("&y=2") == std::string::npos);  // the ampersand is always escaped
    const auto title = doc.select_node("//title[2] | //item/title | //entry/title");
    REQUIRE(title);
    CHECK(std::string(title.node().child_value()) == "Tom & Jerry <script>\"quoted\" 'single' ]]>  end");
  }
}

TEST_CASE("an entry shows its guid only where the store gave it that id, and no id twice in a document") {
  auto owner = entry("https://b.example/2", "Owner", "https://b.example/?p=1");
  owner.guid_is_id = true;
  auto deferred = entry("https://c.example/3", "Deferred", "https://b.example/?p=1");
  deferred.guid_is_id = false;  // the store gave the guid to the owner
  auto not_uri = entry("https://a.example/1", "Not a URI", "42");
  not_uri.guid_is_id = true;
  auto undecided = entry("https://d.example/4", "Undecided", "https://d.example/?p=4");
  auto twice = entry("https://e.example/5", "Twice", "https://b.example/?p=1");
  twice.guid_is_id = true;  // not from a store: the document still shows the guid once
  auto doc = parse_strict(render_atom({owner, deferred, not_uri, undecided, twice}, {}));
  std::vector<std::string> ids;
  for (auto x : doc.child("feed").children("entry")) ids.emplace_back(x.child_value("id"));
  REQUIRE(ids.size() == 5);
  CHECK(ids[0] == "https://b.example/?p=1");
  for (std::size_t i = 1; i < ids.size(); ++i) {
    CAPTURE(i);
    CHECK(ids[i].rfind("tag:feedd,2025:entry/", 0) == 0);
    for (std::size_t j = 0; j < i; ++j) CHECK(ids[i] != ids[j]);
  }

  SUBCASE("a tag: id depends only on the URL key, so it is the same in every render") {
    auto again = parse_strict(render_atom({deferred}, {}));
    CHECK(std::string(again.child("feed").child("entry").child_value("id")) == ids[1]);
    auto rss = parse_strict(render_rss({owner, deferred}, {}));
    auto item = rss.child("rss").child("channel").child("item").next_sibling("item");
    CHECK(std::string(item.child_value("guid")) == ids[1]);
  }
}

TEST_CASE("an entry's updated time is never before its published time") {
  auto e = entry("https://news.example.org/a", "First");
  e.id = 1;
  e.published = feedd::Instant{std::chrono::seconds{1740668640}};
  e.updated = feedd::Instant{std::chrono::seconds{1740600000}};  // earlier: a broken source
  auto doc = parse_strict(render_atom({e}, {}));
  auto x = doc.child("feed").child("entry");
  CHECK(std::string(x.child_value("published")) == "2025-02-27T15:04:00Z");
  CHECK(std::string(x.child_value("updated")) == "2025-02-27T15:04:00Z");

  e.updated = feedd::Instant{std::chrono::seconds{1740700000}};
  doc = parse_strict(render_atom({e}, {}));
  CHECK(std::string(doc.child("feed").child("entry").child_value("updated")) == "2025-02-27T23:46:40Z");
}

TEST_CASE("an entry without a published date is dated by when it was first seen") {
  auto e = entry("https://news.example.org/a", "First");
  e.id = 1;
  e.first_seen = feedd::Instant{std::chrono::seconds{1740700000}};
  auto doc = parse_strict(render_atom({e}, {}));
  CHECK(std::string(doc.child("feed").child("entry").child_value("published")) == "2025-02-27T23:46:40Z");
  auto rss = parse_strict(render_rss({e}, {}));
  CHECK(std::string(rss.child("rss").child("channel").child("item").child_value("pubDate")) ==
        "Thu, 27 Feb 2025 23:46:40 GMT");
}

TEST_CASE("the same entries render the same bytes, so an unchanged feed is not rewritten") {
  auto e = entry("https://news.example.org/a", "First");
  CHECK(render_atom({e}, {}) == render_atom({e}, {}));
  CHECK(render_rss({e}, {}) == render_rss({e}, {}));
}

TEST_CASE("the merged RSS feed names each item's source and uses RFC 822 dates") {
  auto e = entry("https://news.example.org/a", "First");
  e.enclosures.push_back({"https://news.example.org/a.mp3", "audio/mpeg", 1234});
  auto doc = parse_strict(render_rss({e}, MergedFeedMeta{.title = "Mine", .subtitle = "", .base_url = "https://me.example/out/", .name = "feed"}));
  auto channel = doc.child("rss").child("channel");
  CHECK(std::string(channel.child_value("title")) == "Mine");
  CHECK(std::string(channel.child("atom:link").attribute("href").value()) == "https://me.example/out/feed.rss");
  auto item = channel.child("item");
  CHECK(std::string(item.child_value("pubDate")) == "Thu, 27 Feb 2025 15:04:00 GMT");
  CHECK(std::string(item.child("source").attribute("url").value()) == "https://news.example.org/rss");
  CHECK(std::string(item.child("enclosure").attribute("length").value()) == "1234");
}
