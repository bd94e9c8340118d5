#include <doctest/doctest.h>

#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

TEST_CASE("an entry's key is its link's URL key") {
  feed::Entry e;
  e.link = "https://Example.com/a?utm_source=rss#x";
  e.id = "urn:uuid:1";
  CHECK(entry_key(1, e) == "//example.com/a");
}

TEST_CASE("an entry without a link falls back to its id when the id is a URL") {
  feed::Entry e;
  e.id = "http://example.com/?p=123";
  CHECK(entry_key(1, e) == "//example.com/?p=123");
  e.link = "not a url";
  CHECK(entry_key(1, e) == "//example.com/?p=123");
}

TEST_CASE("an entry with neither link nor URL id is keyed by a hash of feed and id") {
  feed::Entry e;
  e.id = "tag:example.com,2025:1";
  const std::string k1 = entry_key(1, e);
  CHECK(k1.rfind("id:", 0) == 0);
  CHECK(k1.size() == 3 + 16);
  CHECK(entry_key(1, e) == k1);
  CHECK(entry_key(2, e) != k1);  // another feed's id is another entry
  e.title = "a new title changes nothing";
  CHECK(entry_key(1, e) == k1);
  e.id = "tag:example.com,2025:2";
  CHECK(entry_key(1, e) != k1);
}

TEST_CASE("an entry with no link and no id is keyed by a hash of feed, title and content") {
  feed::Entry e;
  e.title = "Maintenance tonight";
  e.content = "<p>From 22:00</p>";
  const std::string k1 = entry_key(1, e);
  CHECK(k1.rfind("text:", 0) == 0);
  CHECK(entry_key(2, e) != k1);
  feed::Entry same = e;
  CHECK(entry_key(1, same) == k1);
  e.content = "<p>From 23:00</p>";
  CHECK(entry_key(1, e) != k1);
  // Without content the summary stands in.
  feed::Entry summary_only;
  summary_only.title = "T";
  summary_only.summary = "S";
  feed::Entry content_only;
  content_only.title = "T";
  content_only.content = "S";
  CHECK(entry_key(1, summary_only) == entry_key(1, content_only));
}

TEST_CASE("entries without links are deduplicated by their fallback keys across polls") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  feed::Entry by_id;
  by_id.id = "tag:example.com,2025:1";
  by_id.title = "By id";
  feed::Entry by_text;
  by_text.title = "By text";
  by_text.content = "<p>body</p>";
  const auto first = fx.poll(f, feed_of({by_id, by_text}));
  CHECK(first.new_entries.size() == 2);
  const auto again = fx.poll(f, feed_of({by_id, by_text}));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 2);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].url.empty());
  CHECK(stored[0].guid == "tag:example.com,2025:1");
}

TEST_CASE("an entry whose id is a URL and has no link keeps that URL as its link") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  feed::Entry e;
  e.id = "https://example.com/?p=7";
  e.title = "Permalink in guid";
  const auto r = fx.poll(f, feed_of({e}));
  const auto stored = fx.store->entries_by_id(r.new_entries);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].url == "https://example.com/?p=7");
}
