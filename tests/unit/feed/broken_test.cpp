#include <doctest/doctest.h>

#include <string>

#include "feed/parser.hpp"
#include "fixture.hpp"

using namespace feedd;
using namespace feedd::feed;
using namespace feedd::feed::test;

TEST_CASE("a truncated document keeps every complete item and drops the one cut off") {
  const Feed feed = parse_fixture("broken_truncated.xml");
  CHECK(feed.title == "Cut off");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].title == "Complete one");
  CHECK(feed.entries[1].title == "Complete two");
  CHECK(feed.entries[1].link == "http://example.org/2");
}

TEST_CASE("an unclosed tag is closed by its parent's end tag and later items survive") {
  const Feed feed = parse_fixture("broken_unclosed_tag.xml");
  REQUIRE(feed.entries.size() == 2);
  CHECK(feed.entries[0].title.starts_with("First"));
  CHECK(feed.entries[1].title == "Second");
  CHECK(feed.entries[1].summary.find("break") != std::string::npos);
}

TEST_CASE("garbage after the root element is ignored") {
  const Feed feed = parse_fixture("broken_garbage_after_root.xml");
  CHECK(feed.title == "Garbage");
  REQUIRE(feed.entries.size() == 1);
  CHECK(feed.entries[0].title == "Kept");
}

TEST_CASE("HTML entities without a DTD are decoded, undefined ones kept, a bare ampersand kept") {
  const Feed feed = parse_fixture("broken_entities.xml");
  CHECK(feed.title == "Caf\u00e9 \u2014 news\u00a0today");
  REQUIRE(feed.entries.size() == 3);
  CHECK(feed.entries[0].title == "Tom & Jerry");
  CHECK(feed.entries[0].link == "http://example.org/?a=1&b=2");
  CHECK(feed.entries[1].title == "&bogus; stays");
}

TEST_CASE("a title that is only an entity is never empty") {
  const Feed feed = parse_fixture("broken_entities.xml");
  REQUIRE(feed.entries.size() == 3);
  CHECK(feed.entries[2].title == "\u00a0");
}

TEST_CASE("a bare ampersand in a title is kept as text") {
  auto result = parse("<rss version=\"2.0\"><channel><title>R&D & more</title></channel></rss>");
  REQUIRE(result.ok());
  CHECK(result->title == "R&D & more");
}

TEST_CASE("an HTML page instead of a feed is a clear error") {
  CHECK(parse_error(fixture("not_a_feed_html_page.xml")) == "not a feed: looks like an HTML page");
  CHECK(parse_error("<html><body>hi</body></html>") == "not a feed: looks like an HTML page");
}

TEST_CASE("an empty body is a clear error") {
  CHECK(parse_error(fixture("broken_empty_body.xml")) == "not a feed: the document is empty");
  CHECK(parse_error(" \n\t ") == "not a feed: the document is empty");
}

TEST_CASE("text that is not XML at all is an XML error with a line and column") {
  const std::string message = parse_error("this is\nnot xml");
  CHECK(message.starts_with("XML error at line "));
  CHECK(message.find(", column ") != std::string::npos);
}

TEST_CASE("DOCTYPE entities are never expanded: billion laughs stays small") {
  const Feed feed = parse_fixture("doctype_billion_laughs.xml");
  CHECK(feed.title == "&lol3;");
}

TEST_CASE("DOCTYPE external entities are never fetched or read") {
  const Feed feed = parse_fixture("doctype_external_entity.xml");
  CHECK(feed.title == "before &xxe; after");
  CHECK(feed.title.find("root:") == std::string::npos);
}

TEST_CASE("10,000 nested elements are refused by the depth cap, not a crash") {
  std::string doc = "<rss version=\"2.0\"><channel><title>deep</title>";
  for (int i = 0; i < 10000; ++i) doc += "<x>";
  for (int i = 0; i < 10000; ++i) doc += "</x>";
  doc += "</channel></rss>";
  CHECK(parse_error(doc) == "not a feed: elements nested deeper than 512");
  // Left open too (the repair pass must not recurse either).
  std::string open = "<rss version=\"2.0\"><channel>";
  for (int i = 0; i < 10000; ++i) open += "<x>";
  CHECK(parse_error(open) == "not a feed: elements nested deeper than 512");
}

TEST_CASE("nesting within the depth cap is accepted") {
  std::string doc = "<rss version=\"2.0\"><channel><title>ok</title><item><description>";
  for (int i = 0; i < 100; ++i) doc += "<div>";
  for (int i = 0; i < 100; ++i) doc += "</div>";
  doc += "</description></item></channel></rss>";
  auto result = parse(doc);
  REQUIRE(result.ok());
  CHECK(result->title == "ok");
}

TEST_CASE("a document over the size cap is refused before it is parsed") {
  ParseOptions options;
  options.max_bytes = 1000;
  const std::string doc = "<rss version=\"2.0\"><channel><title>" + std::string(2000, 'x') +
                          "</title></channel></rss>";
  CHECK(parse_error(doc, options) ==
        "not a feed: " + std::to_string(doc.size()) + " bytes is over the limit of 1000");
}

TEST_CASE("a 50 MB feed is parsed, its first 10,000 entries read and the rest counted") {
  std::string doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big</title>";
  const std::string description(2000, 'a');
  std::size_t items = 0;
  while (doc.size() < (std::size_t{50} << 20)) {
    doc += "<item><title>item " + std::to_string(items++) + "</title><description>" + description +
           "</description></item>";
  }
  doc += "</channel></rss>";
  auto result = parse(doc);
  REQUIRE(result.ok());
  REQUIRE(items > 10'000);
  CHECK(result->entries.size() == 10'000);
  CHECK(result->entries_unread == items - 10'000);
  CHECK(result->entries.back().title == "item 9999");
}

TEST_CASE("entries past the cap are counted, not read, in every dialect") {
  ParseOptions options;
  options.max_entries = 2;
  const std::string rss = "<rss version=\"2.0\"><channel><title>t</title>"
                          "<item><title>1</title></item><item><title>2</title></item>"
                          "<item><title>3</title></item><item><title>4</title></item></channel></rss>";
  const std::string rdf = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                          "xmlns=\"http://purl.org/rss/1.0/\"><channel><title>t</title></channel>"
                          "<item><title>1</title></item><item><title>2</title></item>"
                          "<item><title>3</title></item></rdf:RDF>";
  const std::string atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
                           "<entry><title>1</title></entry><entry><title>2</title></entry>"
                           "<entry><title>3</title></entry><entry><title>4</title></entry>"
                           "<entry><title>5</title></entry></feed>";
  for (const auto& [doc, total] : {std::pair{rss, 4}, std::pair{rdf, 3}, std::pair{atom, 5}}) {
    CAPTURE(doc);
    auto result = parse(doc, options);
    REQUIRE(result.ok());
    REQUIRE(result->entries.size() == 2);
    CHECK(result->entries[0].title == "1");  // the first ones, in document order
    CHECK(result->entries[1].title == "2");
    CHECK(result->entries_unread == static_cast<std::size_t>(total - 2));
  }
  auto all = parse(rss);
  REQUIRE(all.ok());
  CHECK(all->entries.size() == 4);
  CHECK(all->entries_unread == 0);
}

TEST_CASE("a feed whose root is something else names the root it found") {
  CHECK(parse_error("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>") ==
        "not a feed: the root element is <svg>, not RSS or Atom");
}

TEST_CASE("a root's name is shown short and printable: the error is logged and stored") {
  // pugixml takes characters XML forbids in a name: here U+FFFF, from UTF-16.
  const std::string utf16be("\xFE\xFF\0<\0x\xFF\xFF\0y\0/\0>", 14);
  CHECK(parse_error(utf16be) == "not a feed: the root element is <x\\xEF\\xBF\\xBFy>, not RSS or Atom");
  const std::string long_name(1000, 'n');
  CHECK(parse_error("<" + long_name + "/>") ==
        "not a feed: the root element is <" + long_name.substr(0, 64) + "...>, not RSS or Atom");
}

TEST_CASE("unquoted and duplicate attributes are repaired rather than failing the feed") {
  auto result = parse(R"(<rss version="2.0"><channel><item><title>t</title>
      <enclosure url=http://example.org/a.mp3 type="audio/mpeg" type="x" length=5 /></item></channel></rss>)");
  REQUIRE(result.ok());
  REQUIRE(result->entries.size() == 1);
  REQUIRE(result->entries[0].enclosures.size() == 1);
  CHECK(result->entries[0].enclosures[0].url == "http://example.org/a.mp3");
  CHECK(result->entries[0].enclosures[0].type == "audio/mpeg");
  CHECK(result->entries[0].enclosures[0].length == 5);
}
