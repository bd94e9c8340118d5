#include <doctest/doctest.h>

#include <string>

#include "feed/json.hpp"
#include "feed/parser.hpp"

using namespace feedd;
using namespace feedd::feed;

namespace {

Feed parse_ok(std::string_view xml, ParseOptions options = {}) {
  auto result = parse(xml, options);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
  return std::move(result).value();
}

constexpr std::string_view kRss20 = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Example News</title>
  <link>https://example.org/</link>
  <description>All the news</description>
  <lastBuildDate>Thu, 27 Feb 2025 15:04:00 GMT</lastBuildDate>
  <managingEditor>editor@example.org (Ed Itor)</managingEditor>
  <item>
    <title>First &amp; foremost</title>
    <link>https://example.org/1</link>
    <guid isPermaLink="false">item-1</guid>
    <description>&lt;p&gt;Hello&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Hello, <b>world</b></p>]]></content:encoded>
    <pubDate>Thu, 27 Feb 2025 10:04:00 -0500</pubDate>
    <dc:creator>Jo Bloggs</dc:creator>
    <category>news</category>
    <enclosure url="https://example.org/a.mp3" type="audio/mpeg" length="1234"/>
  </item>
  <item>
    <title>Second</title>
    <guid>https://example.org/2</guid>
  </item>
</channel>
</rss>)";

constexpr std::string_view kAtom10 = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Example Atom</title>
  <subtitle>Things happen</subtitle>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <link rel="self" href="https://example.org/feed.atom"/>
  <link rel="alternate" type="text/html" href="https://example.org/"/>
  <updated>2025-02-27T15:04:00Z</updated>
  <author><name>Jo Bloggs</name><email>jo@example.org</email><uri>https://example.org/jo</uri></author>
  <entry>
    <title type="html">A &lt;em&gt;big&lt;/em&gt; day</title>
    <id>tag:example.org,2025:1</id>
    <link href="https://example.org/1"/>
    <link rel="enclosure" href="https://example.org/a.ogg" type="audio/ogg" length="99"/>
    <published>2025-02-27T10:00:00+01:00</published>
    <updated>2025-02-27T12:30:00.123Z</updated>
    <summary>Plain &lt; text</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Some <b>bold</b> text</p></div></content>
    <category term="events"/>
  </entry>
</feed>)";

}  // namespace

TEST_CASE("an RSS 2.0 channel and its items become the feed model") {
  const Feed feed = parse_ok(kRss20);
  CHECK(feed.format == "rss20");
  CHECK(feed.encoding == "utf-8");
  CHECK(feed.title == "Example News");
  CHECK(feed.link == "https://example.org/");
  CHECK(feed.subtitle == "All the news");
  REQUIRE(feed.updated);
  CHECK(format_rfc3339(*feed.updated) == "2025-02-27T15:04:00Z");
  REQUIRE(feed.authors.size() == 1);
  CHECK(feed.authors[0].name == "Ed Itor");
  CHECK(feed.authors[0].email == "editor@example.org");
  REQUIRE(feed.entries.size() == 2);

  const Entry& first = feed.entries[0];
  CHECK(first.title == "First & foremost");
  CHECK(first.link == "https://example.org/1");
  CHECK(first.id == "item-1");
  CHECK(first.summary == "<p>Hello</p>");
  CHECK(first.content == "<p>Hello, <b>world</b></p>");
  REQUIRE(first.published);
  CHECK(format_rfc3339(*first.published) == "2025-02-27T15:04:00Z");
  REQUIRE(first.authors.size() == 1);
  CHECK(first.authors[0].name == "Jo Bloggs");
  CHECK(first.categories == std::vector<std::string>{"news"});
  REQUIRE(first.enclosures.size() == 1);
  CHECK(first.enclosures[0].url == "https://example.org/a.mp3");
  CHECK(first.enclosures[0].type == "audio/mpeg");
  CHECK(first.enclosures[0].length == 1234);
}

TEST_CASE("an RSS guid that is a permalink serves as the link when there is none") {
  const Feed feed = parse_ok(kRss20);
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[1].id == "https://example.org/2");
  CHECK(feed.entries[1].link == "https://example.org/2");
}

TEST_CASE("an Atom 1.0 feed and its entries become the feed model") {
  const Feed feed = parse_ok(kAtom10);
  CHECK(feed.format == "atom10");
  CHECK(feed.title == "Example Atom");
  CHECK(feed.subtitle == "Things happen");
  CHECK(feed.link == "https://example.org/");
  CHECK(feed.id == "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6");
  REQUIRE(feed.authors.size() == 1);
  CHECK(feed.authors[0].name == "Jo Bloggs");
  CHECK(feed.authors[0].email == "jo@example.org");
  CHECK(feed.authors[0].uri == "https://example.org/jo");
  REQUIRE(feed.entries.size() == 1);

  const Entry& e = feed.entries[0];
  CHECK(e.title == "A big day");
  CHECK(e.id == "tag:example.org,2025:1");
  CHECK(e.link == "https://example.org/1");
  REQUIRE(e.published);
  CHECK(format_rfc3339(*e.published) == "2025-02-27T09:00:00Z");
  REQUIRE(e.updated);
  CHECK(format_rfc3339(*e.updated) == "2025-02-27T12:30:00Z");
  CHECK(e.summary == "Plain &lt; text");
  CHECK(e.content == "<p>Some <b>bold</b> text</p>");
  CHECK(e.categories == std::vector<std::string>{"events"});
  REQUIRE(e.enclosures.size() == 1);
  CHECK(e.enclosures[0].url == "https://example.org/a.ogg");
  CHECK(e.enclosures[0].length == 99);
}

TEST_CASE("the JSON output has the documented shape and omits absent values") {
  const Feed feed = parse_ok(kRss20);
  const std::string json = to_json(feed);
  CHECK(json.find(R"("format":"rss20")") != std::string::npos);
  CHECK(json.find(R"("encoding":"utf-8")") != std::string::npos);
  CHECK(json.find(R"("updated":"2025-02-27T15:04:00Z")") != std::string::npos);
  CHECK(json.find(R"("enclosures":[{"length":1234,"type":"audio/mpeg","url":"https://example.org/a.mp3"}])") !=
        std::string::npos);
  // The second item has no title-less fields like summary: they are left out, not "".
  CHECK(json.find(R"("summary":"")") == std::string::npos);
  CHECK(json.find(R"("published":null)") == std::string::npos);
  CHECK(json.find("entries_unread") == std::string::npos);  // nothing was left unread

  Feed capped = feed;
  capped.entries_unread = 7;
  CHECK(to_json(capped).find(R"("entries_unread":7)") != std::string::npos);
}

TEST_CASE("a document whose root is neither RSS nor Atom is an error, not an empty feed") {
  auto result = parse("<?xml version=\"1.0\"?><opml version=\"2.0\"><body/></opml>");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message == "not a feed: the root element is <opml>, not RSS or Atom");
}
