#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

TEST_CASE("a digest batch begun and not marked survives a restart with its file and offset") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two"),
                      entry("https://example.com/3", "Three")}));
  const auto batch = fx.store->undigested(2);
  REQUIRE(batch.size() == 2);
  CHECK_FALSE(fx.store->pending_digest().has_value());
  REQUIRE(fx.store->begin_digest({batch[0].id, batch[1].id}, "digest/2025-03-02.txt", 1234, at(2)).ok());
  // While the batch is pending, its entries are not handed out again.
  const auto rest = fx.store->undigested(10);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].title == "Three");
  // A second batch cannot start before the first is finished.
  CHECK_FALSE(fx.store->begin_digest({rest[0].id}, "digest/2025-03-02.txt", 2000, at(2)).ok());

  fx.reopen();  // the crash
  const auto pending = fx.store->pending_digest();
  REQUIRE(pending.has_value());
  CHECK(pending->file == "digest/2025-03-02.txt");
  CHECK(pending->offset == 1234);
  CHECK(pending->ids == std::vector<std::int64_t>{batch[0].id, batch[1].id});
  CHECK(pending->started == at(2));

  REQUIRE(fx.store->mark_digested(pending->ids).ok());
  CHECK_FALSE(fx.store->pending_digest().has_value());
  const auto left = fx.store->undigested(10);
  REQUIRE(left.size() == 1);
  CHECK(left[0].title == "Three");
}

namespace {

// What a digest line shows of an entry, in one comparable value.
using Shown = std::tuple<std::int64_t, std::string, std::string, std::string, std::optional<Instant>,
                         std::optional<Instant>, Instant, bool, std::string, std::string, std::string>;

std::vector<Shown> shown(const std::vector<StoredEntry>& entries) {
  std::vector<Shown> out;
  for (const auto& e : entries) {
    out.emplace_back(e.id, e.url, e.guid, e.title, e.published, e.updated, e.first_seen, e.date_clamped,
                     e.feed_url, e.feed_title, e.feed_link);
  }
  return out;
}

// undigested() as this store answers it, then as a store just opened on the same file
// answers it (from the database alone): they must agree.
std::vector<Shown> undigested_both_ways(StoreFixture& fx, std::size_t limit = 100) {
  const auto kept = shown(fx.store->undigested(limit));
  fx.reopen();
  const auto read = shown(fx.store->undigested(limit));
  CHECK(kept == read);
  return kept;
}

}  // namespace

TEST_CASE("undigested hands out what the commits stored, as the database has it after later polls") {
  StoreFixture fx;
  FeedState a = fx.feed("https://a.example/feed");
  FeedState b = fx.feed("https://b.example/feed");
  a.title = "Feed A";
  a.site_link = "https://a.example/";
  b.title = "Feed B";

  auto no_link = entry("", "Without a link", "tag:a.example,2025:7");
  auto future = entry("https://a.example/future", "From the future");
  future.published = at(20);
  fx.poll(a, feed_of({entry("https://a.example/1", "One"), no_link, future}));
  fx.poll(b, feed_of({entry("https://b.example/1", "Bee")}));
  const FeedState untitled = fx.feed("https://c.example/feed");
  fx.poll(untitled, feed_of({entry("https://c.example/1", "Sea")}));
  // Before the digest runs: feed A's first entry changes its title, feed B its name.
  auto retitled = entry("https://a.example/1", "One, corrected");
  fx.poll(a, feed_of({retitled}), at(3));
  b.title = "Feed B, renamed";
  fx.poll(b, feed_of({}), at(3));

  const auto got = undigested_both_ways(fx);
  REQUIRE(got.size() == 5);
  CHECK(std::get<3>(got[0]) == "One, corrected");
  CHECK(std::get<5>(got[0]) == at(3));  // updated
  CHECK(std::get<9>(got[0]) == "Feed A");
  CHECK(std::get<8>(got[0]).empty());   // the feed's URL only where it has no title
  CHECK(std::get<10>(got[0]).empty());  // nor its link: a digest line shows neither
  CHECK(std::get<1>(got[1]).empty());
  CHECK(std::get<2>(got[1]) == "tag:a.example,2025:7");  // the guid, as there is no link
  CHECK(std::get<2>(got[0]).empty());                    // no guid where there is a link
  CHECK(std::get<7>(got[2]));                            // the future date clamped
  CHECK(std::get<4>(got[2]) == at(2));
  CHECK(std::get<9>(got[3]) == "Feed B, renamed");
  CHECK(std::get<9>(got[4]).empty());
  CHECK(std::get<8>(got[4]) == "https://c.example/feed");
}

TEST_CASE("undigested takes up where the digest left off and never hands out an entry twice") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two"),
                      entry("https://example.com/3", "Three")}));
  const auto first = fx.store->undigested(2);
  REQUIRE(first.size() == 2);
  REQUIRE(fx.store->mark_digested({first[0].id, first[1].id}).ok());
  fx.poll(f, feed_of({entry("https://example.com/4", "Four"), entry("https://example.com/1", "One")}), at(3));
  const auto rest = fx.store->undigested(10);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].title == "Three");
  CHECK(rest[1].title == "Four");
  REQUIRE(fx.store->mark_digested({rest[0].id, rest[1].id}).ok());
  CHECK(fx.store->undigested(10).empty());
  // Entries that came before the store was opened, and after: both, in id order.
  fx.poll(f, feed_of({entry("https://example.com/5", "Five")}), at(4));
  fx.reopen();
  fx.poll(f, feed_of({entry("https://example.com/6", "Six")}), at(5));
  const auto both = fx.store->undigested(10);
  REQUIRE(both.size() == 2);
  CHECK(both[0].title == "Five");
  CHECK(both[1].title == "Six");
  REQUIRE(fx.store->mark_digested({both[0].id}).ok());
  fx.poll(f, feed_of({entry("https://example.com/7", "Seven")}), at(6));
  const auto last = undigested_both_ways(fx);
  REQUIRE(last.size() == 2);
  CHECK(std::get<3>(last[0]) == "Six");
  CHECK(std::get<3>(last[1]) == "Seven");
}

TEST_CASE("undigested leaves out an entry that retention removed before the digest ran") {
  StoreFixture fx;
  StoreOptions capped;
  capped.max_entries_per_feed = 2;
  fx.reopen(capped);
  const FeedState f = fx.feed("https://example.com/feed");
  auto oldest = entry("https://example.com/old", "Old");
  oldest.published = at(1, 1);
  // The oldest is stored first, so it is not the newest entry stored. (Polls within the
  // cap: a document over it would not store the oldest at all.)
  fx.poll(f, feed_of({oldest}));
  fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two")}));
  REQUIRE(fx.store->undigested(10).size() == 3);
  const auto pruned = fx.store->prune(at(2));
  REQUIRE(pruned.ok());
  REQUIRE(pruned->entries == 1);
  const auto got = fx.store->undigested(10);
  REQUIRE(got.size() == 2);
  CHECK(got[0].title == "One");
  CHECK(got[1].title == "Two");
  fx.reopen(capped);
  CHECK(shown(fx.store->undigested(10)) == shown(got));
}

TEST_CASE("undigested hands out each entry of a batch that was rolled back and committed poll by poll once") {
  StoreFixture fx;
  const FeedState good = fx.feed("https://good.example/feed");
  FeedState gone = good;
  gone.id = 999;  // no such feed: the batch rolls back, each poll is committed alone
  gone.url = "https://gone.example/feed";
  const auto doc = feed_of({entry("https://good.example/1", "One"), entry("https://good.example/2", "Two")});
  const auto other = feed_of({entry("https://gone.example/1", "Lost")});
  const std::vector<PollRecord> polls{{good, &doc, at(2)}, {gone, &other, at(2)}};
  const auto results = fx.store->commit_polls(polls);
  REQUIRE(results.size() == 2);
  REQUIRE(results[0].ok());
  CHECK_FALSE(results[1].ok());
  const auto got = undigested_both_ways(fx);
  REQUIRE(got.size() == 2);
  CHECK(std::get<3>(got[0]) == "One");
  CHECK(std::get<3>(got[1]) == "Two");
}

TEST_CASE("undigested reads the database when another connection changed the entries") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two")}));
  exec_outside(fx.db_path, "DELETE FROM entries WHERE id = (SELECT max(id) FROM entries)");
  const auto got = fx.store->undigested(10);
  REQUIRE(got.size() == 1);
  CHECK(got[0].title == "One");
}

TEST_CASE("undigested shows the feed that still carries an entry after retention took it from its first") {
  StoreFixture fx;
  StoreOptions capped;
  capped.max_entries_per_feed = 1;
  fx.reopen(capped);
  FeedState a = fx.feed("https://a.example/feed");
  FeedState b = fx.feed("https://b.example/feed");
  a.title = "Feed A";
  b.title = "Feed B";
  auto shared = entry("https://news.example/shared", "Shared");
  shared.published = at(1, 1);
  fx.poll(a, feed_of({shared}));
  fx.poll(a, feed_of({entry("https://a.example/1", "Newer")}));
  fx.poll(b, feed_of({shared}));
  REQUIRE(fx.store->undigested(10).front().feed_title == "Feed A");
  REQUIRE(fx.store->prune(at(2)).ok());
  const auto got = fx.store->undigested(10);
  REQUIRE(got.size() == 2);
  CHECK(got[0].title == "Shared");
  CHECK(got[0].feed_title == "Feed B");
  fx.reopen(capped);
  CHECK(shown(fx.store->undigested(10)) == shown(got));
}
