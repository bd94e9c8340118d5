#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

std::vector<std::pair<std::int64_t, std::string>> ranked(const std::vector<StoredEntry>& entries) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& e : entries) out.emplace_back(e.id, e.url + " " + e.title);
  return out;
}

// Polls `count` entries over `feeds` feeds, published out of order, over many days.
void fill(StoreFixture& fx, int count, int feeds = 3) {
  std::vector<FeedState> states;
  for (int f = 0; f < feeds; ++f) states.push_back(fx.feed("https://f" + std::to_string(f) + ".example/feed"));
  for (int i = 0; i < count; i += 10) {
    const Instant now = at(1) + std::chrono::days(i / 10);
    feed::Feed doc;
    for (int k = i; k < i + 10 && k < count; ++k) {
      auto e = entry("https://x.example/" + std::to_string(k), "T" + std::to_string(k));
      e.published = now - std::chrono::minutes(1 + (k * 7919) % 50000);
      doc.entries.push_back(e);
    }
    fx.poll(states[static_cast<std::size_t>(i / 10 % feeds)], doc, now);
  }
}

// newest() as this store answers it, and as a store just opened on the file answers it
// (its first answer comes from the database): they must agree, for each limit.
void check_against_reopened(StoreFixture& fx, std::initializer_list<std::size_t> limits) {
  std::vector<std::vector<std::pair<std::int64_t, std::string>>> kept;
  for (std::size_t limit : limits) kept.push_back(ranked(fx.store->newest(limit)));
  fx.reopen();
  std::size_t i = 0;
  for (std::size_t limit : limits) {
    CAPTURE(limit);
    const auto read = ranked(fx.store->newest(limit));
    CHECK(read.size() == kept[i].size());
    CHECK(read == kept[i]);
    ++i;
  }
}

}  // namespace

TEST_CASE("newest of a store that started empty agrees with the database after many polls") {
  StoreFixture fx;
  fill(fx, 600);
  const auto newest = fx.store->newest(50);
  REQUIRE(newest.size() == 50);
  for (std::size_t i = 1; i < newest.size(); ++i) CHECK(newest[i - 1].published >= newest[i].published);
  check_against_reopened(fx, {1, 7, 50, 200, 600, 1000});
  // A reopened store (which asks the database) agrees too after it stored more.
  fill(fx, 900);
  check_against_reopened(fx, {10, 300, 900});
}

TEST_CASE("newest leaves out an entry that retention removed from among the newest") {
  StoreFixture fx;
  StoreOptions capped;
  capped.max_entries_per_feed = 2;
  fx.reopen(capped);
  const FeedState f = fx.feed("https://example.com/feed");
  auto a = entry("https://example.com/a", "A");
  auto b = entry("https://example.com/b", "B");
  auto c = entry("https://example.com/c", "C");
  a.published = at(1, 1);
  b.published = at(1, 2);
  c.published = at(1, 3);
  fx.poll(f, feed_of({a}));  // polls within the cap, which retention then applies
  fx.poll(f, feed_of({b, c}));
  REQUIRE(fx.store->newest(10).size() == 3);
  REQUIRE(fx.store->prune(at(2)).ok());
  const auto left = fx.store->newest(10);
  REQUIRE(left.size() == 2);
  CHECK(left[0].title == "C");
  CHECK(left[1].title == "B");
  fx.reopen(capped);
  CHECK(ranked(fx.store->newest(10)) == ranked(left));
}

TEST_CASE("newest reads the database when another connection stored an entry") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One")}));
  REQUIRE(fx.store->newest(10).size() == 1);
  exec_outside(fx.db_path,
               "INSERT INTO entries(url_key, url, guid, title, summary, content, published, first_seen, "
               "content_hash) SELECT url_key || 'x', url || 'x', '', 'Outside', '', '', published + 60, "
               "first_seen + 60, 0 FROM entries");
  const auto got = fx.store->newest(10);
  REQUIRE(got.size() == 2);
  CHECK(got[0].title == "Outside");
}

TEST_CASE("newest with a limit above what is kept in memory is still exact") {
  StoreFixture fx;
  fill(fx, 1300);
  check_against_reopened(fx, {1200, 1100, 5});
}

TEST_CASE("newest finds the next entry when retention removed the newest one") {
  StoreFixture fx;
  StoreOptions aged;
  aged.retention_days = 30;
  fx.reopen(aged);
  const FeedState f = fx.feed("https://example.com/feed");
  // X: first seen long ago, and still the newest by its date. Y: seen lately, dated earlier.
  auto x = entry("https://example.com/x", "X");
  x.published = at(1);
  fx.poll(f, feed_of({x}), at(1));
  auto y = entry("https://example.com/y", "Y");
  y.published = at(1) - std::chrono::days(1);
  const Instant later = at(1) + std::chrono::days(40);
  fx.poll(f, feed_of({x, y}), later);
  REQUIRE(fx.store->newest(1).at(0).title == "X");
  const auto pruned = fx.store->prune(later + std::chrono::days(1));
  REQUIRE(pruned.ok());
  REQUIRE(pruned->entries == 1);
  const auto got = fx.store->newest(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].title == "Y");
}
