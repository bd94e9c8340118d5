// Store::assign_ids: which entries the merged feeds show under their own guid, fixed for
// good the first time each is rendered.

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;
using std::chrono::days;

namespace {

const std::string kGuid = "https://news.example/?p=1";

// Two feeds that give different articles the same guid, A's stored first.
struct SharedGuid : StoreFixture {
  FeedState a;
  FeedState b;

  explicit SharedGuid(StoreOptions options = {}) {
    reopen(std::move(options));
    a = feed("https://a.example/feed");
    b = feed("https://b.example/feed");
    add(a, "https://news.example/first", "First", at(1));
    add(b, "https://news.example/second", "Second", at(2));
  }

  // A poll of `feed` at `when` brings one article with the shared guid, published then.
  void add(const FeedState& feed, const std::string& link, const std::string& title, Instant when) {
    auto e = entry(link, title, kGuid);
    e.published = when;
    poll(feed, feed_of({e}), when);
  }

  std::int64_t rows(const char* where = "1") {
    sql::Db db(db_path, SQLITE_OPEN_READONLY);
    return db.query_int(std::string("SELECT count(*) FROM merged_ids WHERE ") + where);
  }
};

// The newest entries with their ids fixed, as a render of the merged feed has them.
std::vector<StoredEntry> rendered(Store& store, std::size_t limit = 10) {
  auto entries = store.newest(limit);
  const auto assigned = store.assign_ids(entries);
  REQUIRE_MESSAGE(assigned.ok(), (assigned.ok() ? "" : assigned.error().message));
  return entries;
}

// Whether the entry with this title shows its guid (nullopt: not decided).
std::optional<bool> shows_guid(const std::vector<StoredEntry>& entries, const std::string& title) {
  for (const auto& e : entries) {
    if (e.title == title) return e.guid_is_id;
  }
  FAIL("no entry titled " << title);
  return std::nullopt;
}

const std::optional<bool> kOwn{true};
const std::optional<bool> kFeedds{false};

}  // namespace

TEST_CASE("the entry stored first takes a shared guid, whatever the document's order, and only rendering records it") {
  SharedGuid fx;
  CHECK(fx.rows() == 0);  // storing entries records nothing: only a render does
  auto shown = fx.store->newest(10);
  REQUIRE(shown.size() == 2);
  CHECK(shown[0].title == "Second");  // newest first: the later entry comes first
  CHECK_FALSE(shown[0].guid_is_id.has_value());
  REQUIRE(fx.store->assign_ids(shown).ok());
  CHECK(shows_guid(shown, "First") == kOwn);
  CHECK(shows_guid(shown, "Second") == kFeedds);
  CHECK(fx.rows() == 2);

  SUBCASE("the decision is read back with the entries, after a restart too") {
    fx.reopen();
    auto again = fx.store->newest(10);
    CHECK(shows_guid(again, "First") == kOwn);
    CHECK(shows_guid(again, "Second") == kFeedds);
    REQUIRE(fx.store->assign_ids(again).ok());
    CHECK(shows_guid(again, "Second") == kFeedds);
  }
}

TEST_CASE("an entry rendered first keeps a guid that an older entry, rendered later, also has") {
  SharedGuid fx;
  // Only the newer entry is in the document (a merged feed of one entry, or a tag feed).
  auto newest = fx.store->newest(1);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].title == "Second");
  REQUIRE(fx.store->assign_ids(newest).ok());
  CHECK(newest[0].guid_is_id == kOwn);
  // The older one shows up later (the tag feed of its feed): the guid is taken.
  auto both = rendered(*fx.store);
  CHECK(shows_guid(both, "Second") == kOwn);
  CHECK(shows_guid(both, "First") == kFeedds);
}

TEST_CASE("an entry that did not get its guid never gets it, even after the entry that did is pruned") {
  StoreOptions keep_30_days;
  keep_30_days.retention_days = 30;
  keep_30_days.max_entries_per_feed = 0;
  SharedGuid fx(keep_30_days);
  // Second is seen 20 days after First.
  fx.add(fx.b, "https://news.example/second-late", "Late second", at(1) + days(20));
  auto shown = rendered(*fx.store);
  CHECK(shows_guid(shown, "First") == kOwn);
  CHECK(shows_guid(shown, "Late second") == kFeedds);

  // First and Second age out; Late second stays, and so does its id.
  auto pruned = fx.store->prune(at(1) + days(35));
  REQUIRE(pruned.ok());
  CHECK(pruned->entries == 2);
  CHECK(fx.rows() == 1);  // the pruned entries' records went with them
  auto after = fx.store->newest(10);
  REQUIRE(after.size() == 1);
  CHECK(after[0].guid_is_id == kFeedds);
  REQUIRE(fx.store->assign_ids(after).ok());
  CHECK(after[0].guid_is_id == kFeedds);

  SUBCASE("the guid is free again for an entry stored after the prune") {
    fx.add(fx.a, "https://news.example/third", "Third", at(1) + days(36));
    auto now = rendered(*fx.store);
    CHECK(shows_guid(now, "Third") == kOwn);
    CHECK(shows_guid(now, "Late second") == kFeedds);
  }
}

TEST_CASE("entries without a guid are never recorded and never show one") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/a")}));
  auto shown = fx.store->newest(10);
  REQUIRE(shown.size() == 1);
  shown[0].guid.clear();
  REQUIRE(fx.store->assign_ids(shown).ok());
  CHECK(shown[0].guid_is_id == kFeedds);
  sql::Db db(fx.db_path, SQLITE_OPEN_READONLY);
  CHECK(db.query_int("SELECT count(*) FROM merged_ids") == 0);
}

TEST_CASE("a failed record of ids fixes nothing and says why") {
  SharedGuid fx;
  auto shown = fx.store->newest(10);
  // Another program's trigger refuses the second row: the first is rolled back with it.
  exec_outside(fx.db_path,
               "CREATE TRIGGER refuse BEFORE INSERT ON merged_ids WHEN "
               "(SELECT count(*) FROM merged_ids) > 0 BEGIN SELECT RAISE(ABORT, 'refused'); END");
  auto assigned = fx.store->assign_ids(shown);
  REQUIRE_FALSE(assigned.ok());
  CHECK(assigned.error().message.find("cannot record the merged feed's ids") != std::string::npos);
  CHECK(assigned.error().message.find(fx.db_path.string()) != std::string::npos);
  CHECK(assigned.error().message.find("refused") != std::string::npos);
  for (const auto& e : shown) CHECK_FALSE(e.guid_is_id.has_value());
  CHECK(fx.rows() == 0);

  exec_outside(fx.db_path, "DROP TRIGGER refuse");
  REQUIRE(fx.store->assign_ids(shown).ok());
  CHECK(shows_guid(shown, "First") == kOwn);
}
