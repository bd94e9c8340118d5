#include <doctest/doctest.h>

#include "feed/parser.hpp"
#include "fixture.hpp"

using namespace feedd;
using namespace feedd::feed;
using namespace feedd::feed::test;

TEST_CASE("RSS 0.90 in the Netscape RDF namespace is detected and its items read") {
  const Feed feed = parse_fixture("rss090_netscape.xml");
  CHECK(feed.format == "rss090");
  CHECK(feed.title == "Mozilla Dot Org");
  CHECK(feed.link == "http://www.mozilla.org");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[1].title == "Bugzilla Reorganized");
  CHECK(feed.entries[1].link == "http://www.mozilla.org/bugs/");
}

TEST_CASE("RSS 0.91 is detected from its version and its managing editor is the author") {
  const Feed feed = parse_fixture("rss091_userland.xml");
  CHECK(feed.format == "rss091");
  REQUIRE(feed.authors.size() == 1);
  CHECK(feed.authors[0].email == "dmoberhaus@earthlink.net");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].link == "http://writetheweb.com/read.php?item=24");
}

TEST_CASE("RSS 0.92 items without a title keep their description and enclosure") {
  const Feed feed = parse_fixture("rss092_enclosure.xml");
  CHECK(feed.format == "rss092");
  REQUIRE(feed.entries.size() == 1);
  const Entry& e = feed.entries[0];
  CHECK(e.title.empty());
  CHECK(e.summary.starts_with("It's been a few days"));
  REQUIRE(e.enclosures.size() == 1);
  CHECK(e.enclosures[0].length == 6182912);
}

TEST_CASE("RSS 1.0 items beside the channel are read with their Dublin Core data") {
  const Feed feed = parse_fixture("rss10_rdf_dublin_core.xml");
  CHECK(feed.format == "rss10");
  CHECK(feed.title == "RDF Example");
  REQUIRE(feed.updated);
  CHECK(format_rfc3339(*feed.updated) == "2024-03-01T07:00:00Z");
  CHECK(feed.hints.update_period == "hourly");
  CHECK(feed.hints.update_frequency == 2);
  REQUIRE(feed.entries.size() == 1);
  const Entry& e = feed.entries[0];
  CHECK(e.id == "http://example.org/a");
  CHECK(e.summary == "About A");
  REQUIRE(e.authors.size() == 1);
  CHECK(e.authors[0].name == "Ana Author");
  CHECK(e.categories == std::vector<std::string>{"testing"});
  REQUIRE(e.published);
  CHECK(format_rfc3339(*e.published) == "2024-03-01T07:30:00Z");
}

TEST_CASE("Atom 0.3 names, modes and base64 map onto the Atom 1.0 model") {
  const Feed feed = parse_fixture("atom03_modes.xml");
  CHECK(feed.format == "atom03");
  CHECK(feed.subtitle == "A <b>tagline</b>");
  REQUIRE(feed.updated);
  CHECK(format_rfc3339(*feed.updated) == "2004-01-01T19:48:21Z");
  REQUIRE(feed.authors.size() == 1);
  CHECK(feed.authors[0].uri == "http://example.org/me");
  REQUIRE(feed.entries.size() == 1);
  const Entry& e = feed.entries[0];
  CHECK(e.title == "Entry Title");
  CHECK(e.link == "http://example.org/1");
  REQUIRE(e.published);
  CHECK(format_rfc3339(*e.published) == "2004-01-01T17:00:00Z");
  REQUIRE(e.updated);
  CHECK(format_rfc3339(*e.updated) == "2004-01-02T00:00:00Z");
  CHECK(e.content == "<p>Hi</p>");
}

TEST_CASE("Atom bound to a prefix is read by its namespace, and unbound lookalikes are not") {
  const Feed feed = parse_fixture("atom_prefixed_namespace.xml");
  CHECK(feed.format == "atom10");
  CHECK(feed.title == "Prefixed");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "Bound to a:");
  CHECK(feed.entries[0].id == "urn:x:1");
}

TEST_CASE("misspelt namespace URIs, atom:link in RSS and extension elements are read") {
  const Feed feed = parse_fixture("rss_with_atom_link_and_misspelt_namespaces.xml");
  CHECK(feed.link == "http://example.org/");
  REQUIRE(feed.authors.size() == 1);
  CHECK(feed.authors[0].name == "Pod Caster");
  REQUIRE(feed.entries.size() == 1);
  const Entry& e = feed.entries[0];
  CHECK(e.link == "http://example.org/ep1");
  CHECK(e.content == "<p>Full text</p>");      // content:encoded bound to "foo:"
  CHECK(e.summary == "Plain summary &amp; more");  // itunes:summary is text, made HTML
  REQUIRE(e.authors.size() == 1);
  CHECK(e.authors[0].name == "Host Person");
  REQUIRE(e.enclosures.size() == 1);
  CHECK(e.enclosures[0].url == "http://example.org/ep1.mp3");
  CHECK(e.enclosures[0].length == 1000);
  CHECK(e.thumbnail == "http://example.org/ep1.jpg");
}

TEST_CASE("xml:base resolves links, enclosures and URLs inside content, nested bases included") {
  ParseOptions options;
  options.base_url = "http://elsewhere.example/feed";
  const Feed feed = parse_fixture("xml_base_relative_urls.xml", options);
  CHECK(feed.link == "http://example.org/blog/");
  REQUIRE(feed.entries.size() == 2);
  const Entry& one = feed.entries[0];
  CHECK(one.link == "http://example.org/blog/posts/one.html");
  REQUIRE(one.enclosures.size() == 1);
  CHECK(one.enclosures[0].url == "http://example.org/blog/media/one.mp3");
  CHECK(one.content ==
        R"(<a href="http://example.org/blog/posts/two.html">next</a> <img src="http://example.org/img/x.png">)");
  CHECK(feed.entries[1].link == "http://example.org/two");
}

TEST_CASE("without xml:base, relative URLs resolve against the URL the feed came from") {
  ParseOptions options;
  options.base_url = "https://news.example.com/feeds/main.rss";
  const Feed feed = parse_fixture("rss_relative_links_without_xml_base.xml", options);
  CHECK(feed.link == "https://news.example.com/");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].link == "https://news.example.com/feeds/articles/1");
  REQUIRE(feed.entries[0].enclosures.size() == 1);
  CHECK(feed.entries[0].enclosures[0].url == "https://news.example.com/audio/1.mp3");
}

TEST_CASE("without any base, relative URLs are kept as written") {
  const Feed feed = parse_fixture("rss_relative_links_without_xml_base.xml");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].link == "articles/1");
}

TEST_CASE("a guid marked isPermaLink=false is never used as the link") {
  auto result = parse(R"(<rss version="2.0"><channel><item>
      <guid isPermaLink="false">http://example.org/not-a-page</guid></item></channel></rss>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].id == "http://example.org/not-a-page");
  CHECK(result->entries[0].link.empty());
}

TEST_CASE("feedburner:origLink is the entry's link, in RSS and in Atom, when it is an http(s) URL") {
  // FeedBurner's <link> goes through its redirector; origLink is where the article lives.
  SUBCASE("RSS, origLink after the link") {
    auto result = parse(R"(<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><item>
        <link>http://feedproxy.google.com/~r/Example/~3/abc123/story.html</link>
        <guid isPermaLink="false">story-1</guid>
        <feedburner:origLink>https://example.org/2025/story.html</feedburner:origLink>
      </item></channel></rss>)");
    REQUIRE(result.ok());
    REQUIRE(result->entries.size() == 1);
    CHECK(result->entries[0].link == "https://example.org/2025/story.html");
    CHECK(result->entries[0].id == "story-1");
  }
  SUBCASE("RSS, the prefix undeclared, origLink before the link") {
    auto result = parse(R"(<rss version="2.0"><channel><item>
        <feedburner:origLink>https://example.org/2025/story.html</feedburner:origLink>
        <link>http://feedproxy.google.com/~r/Example/~3/abc123/story.html</link>
      </item></channel></rss>)");
    REQUIRE(result.ok());
    REQUIRE(result->entries.size() == 1);
    CHECK(result->entries[0].link == "https://example.org/2025/story.html");
  }
  SUBCASE("Atom, relative to xml:base") {
    auto result = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fb="http://rssnamespace.org/feedburner/ext/1.0"
        xml:base="https://example.org/blog/"><entry>
        <link rel="alternate" href="http://feedproxy.google.com/~r/Example/~3/def456/post"/>
        <fb:origLink>2025/post</fb:origLink>
      </entry></feed>)");
    REQUIRE(result.ok());
    REQUIRE(result->entries.size() == 1);
    CHECK(result->entries[0].link == "https://example.org/blog/2025/post");
  }
  SUBCASE("not a web URL: the link stays") {
    auto result = parse(R"(<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><item>
        <link>https://example.org/a</link>
        <feedburner:origLink>javascript:alert(1)</feedburner:origLink>
      </item></channel></rss>)");
    REQUIRE(result.ok());
    REQUIRE(result->entries.size() == 1);
    CHECK(result->entries[0].link == "https://example.org/a");
  }
}

TEST_CASE("an entry linked through Google's redirector links to the article itself") {
  // A Google Alerts feed: Atom, each link a redirect with a tracking token.
  auto result = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - feedd</title><entry>
      <id>tag:google.com,2013:googlealerts/feed:1234567890</id><title type="html">A story</title>
      <link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.org/story%3Fp%3D1&amp;ct=ga&amp;cd=CAE&amp;usg=AOv"/>
    </entry></feed>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].link == "https://news.example.org/story?p=1");
}

TEST_CASE("an entry of Bing News' RSS links to the article, not to Bing's click counter") {
  // Bing's news search as RSS: every link goes through apiclick.aspx, with the article's
  // URL encoded (lower-case hex) among the tracking parameters; there is no guid.
  auto result = parse(R"(<rss version="2.0" xmlns:News="https://www.bing.com/news/search?q=feedd&amp;format=rss">
    <channel><title>feedd - BingNews</title><link>https://www.bing.com/news/search?q=feedd</link><item>
      <title>A story</title>
      <link>http://www.bing.com/news/apiclick.aspx?ref=FexRss&amp;aid=&amp;tid=6A1B&amp;url=https%3a%2f%2fnews.example.org%2fstory%3fp%3d1&amp;c=1719&amp;mkt=en-us</link>
      <pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate><News:Source>Example News</News:Source>
    </item></channel></rss>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].link == "https://news.example.org/story?p=1");
}

TEST_CASE("an alternate link of type text/html is preferred over other alternates") {
  auto result = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="alternate" type="application/pdf" href="http://example.org/a.pdf"/>
      <link rel="self" href="http://example.org/self"/>
      <link rel="alternate" type="text/html" href="http://example.org/a.html"/>
    </entry></feed>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].link == "http://example.org/a.html");
}

TEST_CASE("an Atom text construct of type xhtml loses its wrapper div, even under a prefix") {
  auto result = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom" xmlns:h="http://www.w3.org/1999/xhtml"><entry>
      <summary type="xhtml"><h:div><h:p>One &amp; <h:em>two</h:em></h:p><h:br/></h:div></summary>
    </entry></feed>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].summary == "<p>One &amp; <em>two</em></p><br />");
}

TEST_CASE("an Atom title of type html becomes plain text") {
  auto result = parse(R"(<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">Fish &amp;amp; &lt;i&gt;chips&lt;/i&gt;</title></feed>)");
  REQUIRE(result.ok());
  CHECK(result->title == "Fish & chips");
}

TEST_CASE("an RSS description with CDATA is kept as HTML") {
  auto result = parse(R"(<rss version="2.0"><channel><item>
      <description><![CDATA[<p>Para &amp; <a href="http://x/">link</a></p>]]></description>
    </item></channel></rss>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  CHECK(result->entries[0].summary == R"(<p>Para &amp; <a href="http://x/">link</a></p>)");
}

TEST_CASE("RSS skipHours, skipDays and ttl become polling hints") {
  auto result = parse(R"(<rss version="2.0"><channel><ttl>90</ttl>
      <skipHours><hour>0</hour><hour>23</hour></skipHours>
      <skipDays><day>Saturday</day><day>Sunday</day></skipDays></channel></rss>)");
  REQUIRE(result.ok());
  CHECK(result->hints.ttl_minutes == 90);
  CHECK(result->hints.skip_hours == std::vector<int>{0, 23});
  CHECK(result->hints.skip_days == std::vector<std::string>{"Saturday", "Sunday"});
}

TEST_CASE("a date far in the future is kept and flagged, a near one is not flagged") {
  ParseOptions options;
  options.now = Instant{std::chrono::sys_days{std::chrono::year{2025} / 3 / 1}};
  auto result = parse(R"(<rss version="2.0"><channel>
      <item><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
      <item><pubDate>Sat, 01 Mar 2025 12:00:00 GMT</pubDate></item></channel></rss>)",
                      options);
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 2);
  REQUIRE(result->entries[0].published);
  CHECK(format_rfc3339(*result->entries[0].published) == "2100-01-01T00:00:00Z");
  CHECK(result->entries[0].date_in_future);
  CHECK_FALSE(result->entries[1].date_in_future);
}

TEST_CASE("an RSS or Atom root in an unknown, misspelt namespace is still read") {
  auto rss = parse(R"(<rss version="2.0" xmlns="http://example.com/not-rss"><channel><title>R</title>
      <item><title>one</title></item></channel></rss>)");
  REQUIRE(rss.ok());
  CHECK(rss->format == "rss20");
  CHECK(rss->title == "R");
  REQUIRE(rss->entries.size() == 1);
  CHECK(rss->entries[0].title == "one");

  auto atom = parse(R"(<feed xmlns="http://www.w3.org/2005/Atomm"><title>A</title>
      <entry><title>two</title><id>x</id></entry></feed>)");
  REQUIRE(atom.ok());
  CHECK(atom->format == "atom10");
  CHECK(atom->title == "A");
  REQUIRE(atom->entries.size() == 1);
  CHECK(atom->entries[0].title == "two");
}
