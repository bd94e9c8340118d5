// The store's memory of the entries it wrote: what the digest has still to write, and
// the newest, each trusted only while the database agrees.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/recent.hpp"

using feedd::store::RecentEntries;

namespace {

RecentEntries::Entry entry(std::int64_t id, std::int64_t published = 1000, std::int64_t feed_id = 1) {
  RecentEntries::Entry e;
  e.id = id;
  e.feed_id = feed_id;
  e.url = "https://example.com/" + std::to_string(id);
  e.title = "Entry " + std::to_string(id);
  e.published = published;
  e.first_seen = 2000;
  return e;
}

// One committed transaction storing these ids.
void store(RecentEntries& r, std::vector<std::int64_t> ids) {
  r.begin(ids.empty() ? 1 : ids.front());
  for (auto id : ids) r.stage(entry(id));
  r.committed();
}

std::vector<std::int64_t> ids_of(const std::vector<RecentEntries::Entry>& entries) {
  std::vector<std::int64_t> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

}  // namespace

TEST_CASE("entries not yet in the digest are handed out once, oldest first, in batches") {
  RecentEntries r;
  store(r, {1, 2, 3});
  auto first = r.take_unwritten(0, 3, 2);
  REQUIRE(first.has_value());
  CHECK(ids_of(*first) == std::vector<std::int64_t>{1, 2});
  CHECK((*first)[0].title == "Entry 1");
  CHECK((*first)[0].url == "https://example.com/1");

  // The digest recorded them: the rest follows.
  auto second = r.take_unwritten(2, 3, 2);
  REQUIRE(second.has_value());
  CHECK(ids_of(*second) == std::vector<std::int64_t>{3});

  // All written: nothing, from memory.
  auto none = r.take_unwritten(3, 3, 2);
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("a batch the digest did not record is the database's to hand out again") {
  RecentEntries r;
  store(r, {1, 2, 3});
  REQUIRE(r.take_unwritten(0, 3, 2).has_value());
  // The cursor stayed at 0 (the append failed): memory no longer holds 1 and 2.
  CHECK_FALSE(r.take_unwritten(0, 3, 10).has_value());
}

TEST_CASE("what a rolled-back transaction staged is forgotten") {
  RecentEntries r;
  r.begin(1);
  r.stage(entry(1));
  r.stage(entry(2));
  // No commit: the next transaction hands out the same ids again.
  r.begin(1);
  auto again = entry(1);
  again.title = "Second try";
  r.stage(again);
  r.committed();
  auto taken = r.take_unwritten(0, 1, 10);
  REQUIRE(taken.has_value());
  REQUIRE(taken->size() == 1);
  CHECK((*taken)[0].title == "Second try");
}

TEST_CASE("an entry updated before the digest wrote it shows its new title") {
  RecentEntries r;
  store(r, {1, 2});
  r.begin(3);
  r.stage_update(2, "Corrected", std::nullopt);
  r.stage_update(99, "Not kept here", std::nullopt);
  r.committed();
  auto taken = r.take_unwritten(0, 2, 10);
  REQUIRE(taken.has_value());
  REQUIRE(taken->size() == 2);
  CHECK((*taken)[1].title == "Corrected");
}

TEST_CASE("a newest id stored that memory did not see sends the digest to the database") {
  RecentEntries r;
  store(r, {1, 2});
  CHECK_FALSE(r.take_unwritten(0, 5, 10).has_value());  // another writer stored 3..5
  CHECK_FALSE(r.take_unwritten(0, 2, 10).has_value());  // dropped until the next start

  // A new start after the digest caught up through the database.
  store(r, {6});
  CHECK_FALSE(r.take_unwritten(2, 6, 10).has_value());  // 3..5 unwritten: below the start
  auto taken = r.take_unwritten(5, 6, 10);
  REQUIRE(taken.has_value());
  CHECK(ids_of(*taken) == std::vector<std::int64_t>{6});
}

TEST_CASE("an entry moved to another feed or removed drops what the digest would take from memory") {
  RecentEntries r;
  store(r, {1, 2});
  SUBCASE("moved") { r.moved(2); }
  SUBCASE("removed") { r.removed(1); }
  CHECK_FALSE(r.take_unwritten(0, 2, 10).has_value());
}

TEST_CASE("an entry below the unwritten ones moving changes nothing") {
  RecentEntries r;
  store(r, {5, 6});
  r.moved(4);
  r.removed(3);
  auto taken = r.take_unwritten(4, 6, 10);
  REQUIRE(taken.has_value());
  CHECK(ids_of(*taken) == std::vector<std::int64_t>{5, 6});
}

TEST_CASE("past the limit of unwritten entries the database holds them instead of memory") {
  RecentEntries r;
  r.begin(1);
  for (std::int64_t id = 1; id <= static_cast<std::int64_t>(RecentEntries::kUnwrittenMax) + 1; ++id) {
    r.stage(entry(id));
  }
  r.committed();
  const auto last = static_cast<std::int64_t>(RecentEntries::kUnwrittenMax) + 1;
  CHECK_FALSE(r.take_unwritten(0, last, 10).has_value());
}

TEST_CASE("the newest are ranked by published, then id, from an empty database on") {
  RecentEntries r;
  r.rank_from_empty();
  auto ids = r.newest_ids(10, 0);
  REQUIRE(ids.has_value());
  CHECK(ids->empty());

  r.begin(1);
  r.stage(entry(1, 300));
  r.stage(entry(2, 100));
  r.stage(entry(3, 300));
  r.stage(entry(4, 200));
  r.committed();
  ids = r.newest_ids(3, 4);
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::int64_t>{3, 1, 4});
}

TEST_CASE("ranking keeps the highest of many and stops for good when memory missed something") {
  RecentEntries r;
  r.rank_from_empty();
  const auto n = static_cast<std::int64_t>(RecentEntries::kRankCapacity) + 200;
  r.begin(1);
  for (std::int64_t id = 1; id <= n; ++id) r.stage(entry(id, id % 2 == 0 ? id : 0));
  r.committed();
  auto ids = r.newest_ids(2, n);
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::int64_t>{n, n - 2});
  CHECK_FALSE(r.newest_ids(RecentEntries::kRankCapacity + 1, n).has_value());

  SUBCASE("a newest id it did not rank") {
    CHECK_FALSE(r.newest_ids(2, n + 1).has_value());
    CHECK_FALSE(r.newest_ids(2, n).has_value());  // for good
  }
  SUBCASE("one of the ranked removed") {
    r.removed(n);
    CHECK_FALSE(r.newest_ids(2, n).has_value());
  }
  SUBCASE("one below the ranked removed") {
    r.removed(1);  // published 0: never ranked
    CHECK(r.newest_ids(2, n).has_value());
  }
}

TEST_CASE("a store opened on entries it did not rank has no newest in memory") {
  RecentEntries r;
  store(r, {10, 11});
  CHECK_FALSE(r.newest_ids(5, 11).has_value());
}

TEST_CASE("newest entries worked out by the database are kept and ranked on") {
  using Ranked = RecentEntries::Ranked;
  RecentEntries r;
  // The database's three newest of a store whose newest id is 50.
  r.seed_newest({Ranked{500, 40}, Ranked{400, 50}, Ranked{300, 10}}, 3, 50);
  auto ids = r.newest_ids(3, 50);
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::int64_t>{40, 50, 10});
  CHECK(r.newest_ids(2, 50) == std::optional(std::vector<std::int64_t>{40, 50}));
  CHECK_FALSE(r.newest_ids(4, 50).has_value());  // the fourth is not known

  // New entries rank against them: one among them, one below them all.
  r.begin(51);
  r.stage(entry(51, 450));
  r.stage(entry(52, 100));
  r.committed();
  ids = r.newest_ids(3, 52);
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::int64_t>{40, 51, 50});

  SUBCASE("one of them removed: the database answers again, and a new seed restores memory") {
    r.removed(51);
    CHECK_FALSE(r.newest_ids(3, 52).has_value());
    r.seed_newest({Ranked{500, 40}, Ranked{400, 50}, Ranked{300, 10}}, 3, 52);
    CHECK(r.newest_ids(3, 52).has_value());
  }
  SUBCASE("a newest id it did not see") {
    CHECK_FALSE(r.newest_ids(3, 60).has_value());
  }
}

TEST_CASE("a seed of fewer entries than asked for is the whole store") {
  using Ranked = RecentEntries::Ranked;
  RecentEntries r;
  r.seed_newest({Ranked{200, 2}, Ranked{100, 1}}, 10, 2);
  auto ids = r.newest_ids(RecentEntries::kRankCapacity, 2);
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::int64_t>{2, 1});
  // A seed that cannot be kept whole is not taken.
  RecentEntries big;
  big.seed_newest({Ranked{1, 1}}, RecentEntries::kRankCapacity + 1, 1);
  CHECK_FALSE(big.newest_ids(1, 1).has_value());
}
