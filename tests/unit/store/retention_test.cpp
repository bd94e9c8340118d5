#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;
using std::chrono::days;

namespace {

StoreOptions retention(int keep_days, int per_feed, int tombstone_days = 365) {
  StoreOptions o;
  o.retention_days = keep_days;
  o.max_entries_per_feed = per_feed;
  o.tombstone_days = tombstone_days;
  return o;
}

std::size_t prune_all(Store& store, Instant now, std::size_t batch) {
  std::size_t removed = 0;
  for (int round = 0; round < 10000; ++round) {
    auto r = store.prune(now, batch);
    REQUIRE(r.ok());
    removed += r->entries;
    if (!r->more) break;
  }
  return removed;
}

feed::Entry dated(const std::string& link, const std::string& title, int day) {
  auto e = entry(link, title);
  e.published = at(day);
  return e;
}

// Two feeds, each keeping one entry, and an article both may carry.
struct CappedPair : StoreFixture {
  FeedState a;
  FeedState b;
  feed::Entry shared = dated("https://news.example/shared", "Shared", 1);

  CappedPair() {
    reopen(retention(0, 1));
    a = feed("https://a.example/feed");
    b = feed("https://b.example/feed");
  }
};

}  // namespace

TEST_CASE("entries older than the retention period are pruned and leave a tombstone") {
  StoreFixture fx;
  fx.reopen(retention(90, 0));
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/old")}), at(1));
  fx.poll(f, feed_of({entry("https://example.com/recent")}), at(1) + days(80));
  auto r = fx.store->prune(at(1) + days(91), 100);
  REQUIRE(r.ok());
  CHECK(r->entries == 1);
  const auto left = fx.store->newest(10);
  REQUIRE(left.size() == 1);
  CHECK(left[0].url == "https://example.com/recent");
  CHECK(fx.store->has_tombstone("http://example.com/old?utm_medium=feed"));
  CHECK_FALSE(fx.store->has_tombstone("https://example.com/recent"));
}

TEST_CASE("an old article reappearing after it was pruned is not new again") {
  StoreFixture fx;
  fx.reopen(retention(90, 0));
  const FeedState f = fx.feed("https://example.com/feed");
  const auto old = entry("https://example.com/evergreen");
  fx.poll(f, feed_of({old}), at(1));
  REQUIRE(fx.store->prune(at(1) + days(100), 100).ok());
  REQUIRE(fx.store->newest(10).empty());
  const auto again = fx.poll(f, feed_of({old}), at(1) + days(101));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 1);
  CHECK(fx.store->newest(10).empty());
  CHECK(fx.store->undigested(10).empty());
}

TEST_CASE("a tombstone lives a year after a feed last carried the article, then goes") {
  StoreFixture fx;
  fx.reopen(retention(90, 0, 365));
  const FeedState f = fx.feed("https://example.com/feed");
  const auto old = entry("https://example.com/evergreen");
  fx.poll(f, feed_of({old}), at(1));
  const Instant pruned = at(1) + days(100);
  REQUIRE(fx.store->prune(pruned, 100).ok());
  // The feed still carries it 300 days later: the tombstone is renewed.
  fx.poll(f, feed_of({old}), pruned + days(300));
  REQUIRE(fx.store->prune(pruned + days(400), 100).ok());
  CHECK(fx.store->has_tombstone("https://example.com/evergreen"));
  // A year after that last sighting it expires, and the article would be new again.
  auto r = fx.store->prune(pruned + days(300 + 366), 100);
  REQUIRE(r.ok());
  CHECK(r->tombstones == 1);
  CHECK_FALSE(fx.store->has_tombstone("https://example.com/evergreen"));
  const auto back = fx.poll(f, feed_of({old}), pruned + days(700));
  CHECK(back.new_entries.size() == 1);
}

TEST_CASE("each feed keeps at most its cap of newest entries") {
  StoreFixture fx;
  fx.reopen(retention(0, 3));
  const FeedState f = fx.feed("https://example.com/feed");
  feed::Feed doc;
  for (int i = 1; i <= 7; ++i) {
    auto e = dated("https://example.com/" + std::to_string(i), "E" + std::to_string(i), i);
    doc.entries.push_back(e);
    fx.poll(f, feed_of({e}), at(10));  // one poll each: a document over the cap stores only its newest
  }
  CHECK(prune_all(*fx.store, at(10), 100) == 4);
  const auto left = fx.store->newest(10);
  REQUIRE(left.size() == 3);
  CHECK(left[0].title == "E7");
  CHECK(left[2].title == "E5");
  CHECK(fx.store->has_tombstone("https://example.com/1"));
  // The next poll of all seven brings nothing back: the newest three are known, the others
  // are past the cap; and a pruned one offered alone is remembered by its tombstone.
  const auto again = fx.poll(f, doc, at(11));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 3);
  CHECK(again.beyond_cap == 4);
  const auto oldest = fx.poll(f, feed_of({doc.entries.front()}), at(12));
  CHECK(oldest.new_entries.empty());
  CHECK(oldest.duplicates == 1);
}

TEST_CASE("an entry over one feed's cap stays while another feed keeps it") {
  CappedPair fx;
  fx.poll(fx.a, feed_of({fx.shared, dated("https://a.example/newer", "Newer", 2)}), at(3));
  fx.poll(fx.b, feed_of({fx.shared}), at(3));
  prune_all(*fx.store, at(3), 100);
  CHECK(fx.store->newest(10, {"https://a.example/feed"}).size() == 1);
  CHECK(fx.store->newest(10, {"https://b.example/feed"}).size() == 1);
  CHECK(fx.store->newest(10).size() == 2);
  CHECK_FALSE(fx.store->has_tombstone("https://news.example/shared"));
  // The feed that still keeps it is its source now.
  const auto in_b = fx.store->newest(10, {"https://b.example/feed"});
  REQUIRE(in_b.size() == 1);
  CHECK(in_b[0].feed_url == "https://b.example/feed");
  // Over b's cap too, with a newer entry of b's own: now no feed keeps it.
  fx.poll(fx.b, feed_of({fx.shared, dated("https://b.example/own", "Own", 2)}), at(4));
  prune_all(*fx.store, at(4), 100);
  CHECK(fx.store->has_tombstone("https://news.example/shared"));
  CHECK(fx.store->newest(10).size() == 2);
  const auto stats = fx.store->feed_stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].entries == 1);
  CHECK(stats[1].entries == 1);
}

TEST_CASE("an entry over a later feed's cap stays with the feed that carried it first") {
  CappedPair fx;
  fx.poll(fx.a, feed_of({fx.shared}), at(3));
  fx.poll(fx.b, feed_of({fx.shared, dated("https://b.example/newer", "Newer", 2)}), at(3));
  prune_all(*fx.store, at(3), 100);
  const auto in_a = fx.store->newest(10, {"https://a.example/feed"});
  REQUIRE(in_a.size() == 1);
  CHECK(in_a[0].feed_url == "https://a.example/feed");
  const auto in_b = fx.store->newest(10, {"https://b.example/feed"});
  REQUIRE(in_b.size() == 1);
  CHECK(in_b[0].title == "Newer");
  CHECK_FALSE(fx.store->has_tombstone("https://news.example/shared"));
}

TEST_CASE("pruning goes in batches no larger than asked") {
  StoreFixture fx;
  fx.reopen(retention(1, 0));
  const FeedState f = fx.feed("https://example.com/feed");
  feed::Feed doc;
  for (int i = 0; i < 25; ++i) doc.entries.push_back(entry("https://example.com/" + std::to_string(i)));
  fx.poll(f, doc, at(1));
  auto r = fx.store->prune(at(5), 10);
  REQUIRE(r.ok());
  CHECK(r->entries == 10);
  CHECK(r->more);
  CHECK(fx.store->newest(100).size() == 15);
  CHECK(prune_all(*fx.store, at(5), 10) == 15);
  CHECK(fx.store->newest(100).empty());
}

TEST_CASE("feed stats count each feed's stored entries") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = fx.feed("https://b.example/feed");
  auto e1 = entry("https://x.example/1");
  e1.published = at(3);
  fx.poll(a, feed_of({e1, entry("https://x.example/2")}), at(5));
  fx.poll(b, feed_of({e1}), at(5));
  const auto stats = fx.store->feed_stats();
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].feed_id == a.id);
  CHECK(stats[0].entries == 2);
  CHECK(stats[1].entries == 1);
  CHECK(stats[1].newest_published == at(3));
}

TEST_CASE("a document with more entries than a feed keeps stores only its newest, and always the same ones") {
  StoreFixture fx;
  fx.reopen(retention(0, 3));
  const FeedState f = fx.feed("https://example.com/feed");
  auto undated = entry("https://example.com/undated", "Undated");
  undated.published.reset();
  auto future = entry("https://example.com/future", "Future");
  future.published = at(20);
  future.date_in_future = true;
  const auto doc = feed_of({dated("https://example.com/d5", "Day 5", 5), undated,
                            dated("https://example.com/d1", "Day 1", 1), dated("https://example.com/d3", "Day 3", 3),
                            future, dated("https://example.com/d4", "Day 4", 4)});
  // A missing or future date counts as now, so those two are the newest; then day 5.
  const auto first = fx.poll(f, doc, at(10));
  CHECK(first.new_entries.size() == 3);
  CHECK(first.beyond_cap == 3);
  std::vector<std::string> digested;
  for (const auto& e : fx.store->undigested(10)) digested.push_back(e.title);
  CHECK(digested == std::vector<std::string>{"Day 5", "Undated", "Future"});  // in document order

  // The same document again: the same three, known; the older three still not looked at.
  const auto again = fx.poll(f, doc, at(11));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 3);
  CHECK(again.beyond_cap == 3);
  CHECK(fx.store->undigested(10).size() == 3);

  SUBCASE("without a cap every entry is stored") {
    fx.reopen(retention(0, 0));
    const auto all = fx.poll(f, doc, at(12));
    CHECK(all.new_entries.size() == 3);
    CHECK(all.duplicates == 3);
    CHECK(all.beyond_cap == 0);
  }
}
