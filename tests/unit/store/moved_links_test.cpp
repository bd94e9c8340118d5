// A feed that changes an article's link at every poll (a session id, a rotating token) but
// keeps its guid: the article is found under the link it was stored with, never new again.
// And every case where the same guid may name another article stays new.

#include <string>

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

// The article `n` as a feed with session ids in its links shows it at poll `poll`.
feed::Entry session_entry(int n, int poll, std::string title) {
  auto e = entry("https://example.com/story/" + std::to_string(n) + ";jsessionid=S" + std::to_string(poll),
                 std::move(title), "urn:example:story:" + std::to_string(n));
  e.published = at(1, n);
  return e;
}

}  // namespace

TEST_CASE("a feed that changes its links but keeps its guids makes no duplicates") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({session_entry(1, 1, "One"), session_entry(2, 1, "Two")}), at(2));
  REQUIRE(first.new_entries.size() == 2);
  CHECK(first.relinked == 0);
  for (int poll = 2; poll <= 4; ++poll) {
    CAPTURE(poll);
    const auto again =
        fx.poll(f, feed_of({session_entry(1, poll, "One"), session_entry(2, poll, "Two")}), at(2 + poll));
    CHECK(again.new_entries.empty());
    CHECK(again.duplicates == 2);
    CHECK(again.relinked == 2);
  }
  // A new article among them is new, once.
  const auto third = fx.poll(
      f, feed_of({session_entry(3, 5, "Three"), session_entry(1, 5, "One"), session_entry(2, 5, "Two")}), at(8));
  CHECK(third.new_entries.size() == 1);
  CHECK(third.relinked == 2);
  const auto stored = fx.store->newest(10);
  REQUIRE(stored.size() == 3);
  // Each keeps the link it was first stored with.
  CHECK(stored[1].url == "https://example.com/story/2;jsessionid=S1");
  CHECK(stored[2].url == "https://example.com/story/1;jsessionid=S1");
}

TEST_CASE("an article found under its moved link is updated when its content changed") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({session_entry(1, 1, "One")}), at(2));
  REQUIRE(first.new_entries.size() == 1);
  auto edited = session_entry(1, 2, "One");
  edited.content = "<p>with a correction</p>";
  const auto again = fx.poll(f, feed_of({edited}), at(3));
  CHECK(again.new_entries.empty());
  CHECK(again.updated == 1);
  CHECK(again.relinked == 1);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].content == "<p>with a correction</p>");
}

TEST_CASE("an article found under its moved link across a reopened store") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({session_entry(1, 1, "One")}), at(2));
  fx.reopen();
  const auto again = fx.poll(f, feed_of({session_entry(1, 2, "One")}), at(3));
  CHECK(again.new_entries.empty());
  CHECK(again.relinked == 1);
}

TEST_CASE("an edited article under a moved link is found by its date when its content changed") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({session_entry(1, 1, "One")}), at(2));
  auto edited = session_entry(1, 2, "One");
  edited.summary = "<p>rewritten</p>";
  CHECK(fx.poll(f, feed_of({edited}), at(3)).new_entries.empty());
}

TEST_CASE("a guid used again for another article is a new article") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");

  SUBCASE("with another title") {
    fx.poll(f, feed_of({entry("https://example.com/today/1", "Monday's word", "word-of-the-day")}), at(2));
    const auto next = fx.poll(f, feed_of({entry("https://example.com/today/2", "Tuesday's word", "word-of-the-day")}), at(3));
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
  SUBCASE("with the same title but other content and another date") {
    auto monday = entry("https://example.com/today/1", "Word of the day", "word-of-the-day");
    monday.published = at(2, 6);
    auto tuesday = entry("https://example.com/today/2", "Word of the day", "word-of-the-day");
    tuesday.published = at(3, 6);
    tuesday.summary = "<p>serendipity</p>";
    fx.poll(f, feed_of({monday}), at(2, 7));
    const auto next = fx.poll(f, feed_of({tuesday}), at(3, 7));
    CHECK(next.new_entries.size() == 1);
  }
  SUBCASE("with the same title and content but no date to tell them apart") {
    // A daily "Open thread" whose text never changes: same guid, title and content, and
    // no date. Only the link tells the days apart... and the old link is gone. Without a
    // date there is no telling, and the same content is taken as the same article.
    auto monday = entry("https://example.com/thread/1", "Open thread", "open-thread");
    monday.published.reset();
    auto tuesday = monday;
    tuesday.link = "https://example.com/thread/2";
    fx.poll(f, feed_of({monday}), at(2));
    CHECK(fx.poll(f, feed_of({tuesday}), at(3)).relinked == 1);
  }
}

TEST_CASE("a guid whose stored article is still in the document names another article") {
  // A feed that numbers its items: the newest is always "1". The article that was "1" is
  // still listed, as "2", under its own link: the new "1" is a new article, even with the
  // same title and date.
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto first = entry("https://example.com/posts/a", "Daily briefing", "1");
  fx.poll(f, feed_of({first}), at(2));
  auto shifted = first;
  shifted.id = "2";
  auto newer = entry("https://example.com/posts/b", "Daily briefing", "1");
  newer.published = first.published;
  const auto next = fx.poll(f, feed_of({newer, shifted}), at(3));
  CHECK(next.new_entries.size() == 1);
  CHECK(next.relinked == 0);
  CHECK(fx.store->newest(10).size() == 2);
}

TEST_CASE("a guid carried twice in one document matches nothing") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/a?s=1", "Same", "same-guid")}), at(2));
  auto one = entry("https://example.com/a?s=2", "Same", "same-guid");
  auto two = entry("https://example.com/b?s=2", "Same", "same-guid");
  const auto next = fx.poll(f, feed_of({one, two}), at(3));
  CHECK(next.new_entries.size() == 2);
  CHECK(next.relinked == 0);
}

TEST_CASE("a guid that two stored articles share matches neither") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/a", "Same", "same-guid"), entry("https://example.com/b", "Same", "same-guid")}),
          at(2));
  const auto next = fx.poll(f, feed_of({entry("https://example.com/c", "Same", "same-guid")}), at(3));
  CHECK(next.new_entries.size() == 1);
  CHECK(next.relinked == 0);
}

TEST_CASE("another feed's article is not found by its guid") {
  // Guids are a feed's own: the same guid in another feed says nothing.
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = fx.feed("https://b.example/feed");
  fx.poll(a, feed_of({entry("https://a.example/post/1", "Hello", "post-1")}), at(2));
  const auto in_b = fx.poll(b, feed_of({entry("https://b.example/post/1", "Hello", "post-1")}), at(3));
  CHECK(in_b.new_entries.size() == 1);
  CHECK(in_b.relinked == 0);
}

TEST_CASE("an entry without a guid or a title is never matched by them") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  SUBCASE("no title") {
    fx.poll(f, feed_of({session_entry(1, 1, "")}), at(2));
    CHECK(fx.poll(f, feed_of({session_entry(1, 2, "")}), at(3)).new_entries.size() == 1);
  }
  SUBCASE("no guid") {
    auto first = session_entry(1, 1, "One");
    first.id.clear();
    auto second = session_entry(1, 2, "One");
    second.id.clear();
    fx.poll(f, feed_of({first}), at(2));
    CHECK(fx.poll(f, feed_of({second}), at(3)).new_entries.size() == 1);
  }
}

namespace {

StoreOptions keep_days(int days) {
  StoreOptions o;
  o.retention_days = days;
  o.max_entries_per_feed = 0;
  return o;
}

}  // namespace

TEST_CASE("an article retention removed is found by its tombstone when its link moved") {
  using std::chrono::days;
  StoreFixture fx;
  fx.reopen(keep_days(90));
  const FeedState f = fx.feed("https://example.com/feed");
  // A small blog whose feed lists its posts for years, each link with a new session id.
  fx.poll(f, feed_of({session_entry(1, 1, "One"), session_entry(2, 1, "Two")}), at(2));
  const Instant pruned = at(2) + days(100);
  auto r = fx.store->prune(pruned, 100);
  REQUIRE(r.ok());
  REQUIRE(r->entries == 2);
  REQUIRE(fx.store->newest(10).empty());

  SUBCASE("in the same store") {}
  SUBCASE("after a reopen") { fx.reopen(keep_days(90)); }

  const auto again = fx.poll(f, feed_of({session_entry(1, 2, "One"), session_entry(2, 2, "Two")}), pruned + days(1));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 2);
  CHECK(again.relinked == 2);
  CHECK(fx.store->undigested(10).empty());
  // Found under its old key, the tombstone is renewed: it lasts while the feed carries it.
  CHECK(fx.store->has_tombstone("https://example.com/story/1;jsessionid=S1"));
  CHECK_FALSE(fx.store->has_tombstone("https://example.com/story/1;jsessionid=S2"));
  sql::Db db(fx.db_path, SQLITE_OPEN_READONLY);
  CHECK(db.query_int("SELECT min(last_seen) FROM tombstones") == (pruned + days(1)).time_since_epoch().count());
  CHECK(db.query_int("SELECT count(*) FROM tombstones") == 2);
}

TEST_CASE("a pruned article under a moved link is found when edited or re-dated, as a stored one is") {
  using std::chrono::days;
  StoreFixture fx;
  fx.reopen(keep_days(90));
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({session_entry(1, 1, "One")}), at(2));
  REQUIRE(fx.store->prune(at(2) + days(100), 100).ok());
  auto back = session_entry(1, 2, "One");
  SUBCASE("edited, same date") { back.summary = "<p>corrected</p>"; }
  SUBCASE("re-dated, same content") { back.published = at(2) + days(99); }
  const auto again = fx.poll(f, feed_of({back}), at(2) + days(101));
  CHECK(again.new_entries.empty());
  CHECK(again.relinked == 1);
}

TEST_CASE("a tombstone's article is not taken for a new one that shares its guid but not its title or date") {
  using std::chrono::days;
  StoreFixture fx;
  fx.reopen(keep_days(90));
  const FeedState f = fx.feed("https://example.com/feed");
  auto monday = entry("https://example.com/today/1", "Word of the day", "word-of-the-day");
  monday.published = at(1, 6);
  fx.poll(f, feed_of({monday}), at(2));
  REQUIRE(fx.store->prune(at(2) + days(100), 100).ok());
  auto later = entry("https://example.com/today/101", "Word of the day", "word-of-the-day");
  later.published = at(2) + days(100);
  later.summary = "<p>serendipity</p>";
  CHECK(fx.poll(f, feed_of({later}), at(2) + days(100)).new_entries.size() == 1);
  auto renamed = session_entry(1, 1, "Another title");
  CHECK(fx.poll(f, feed_of({renamed}), at(2) + days(101)).new_entries.size() == 1);
}

TEST_CASE("a tombstone whose link the document still has is not another entry's old link") {
  using std::chrono::days;
  StoreFixture fx;
  fx.reopen(keep_days(90));
  const FeedState f = fx.feed("https://example.com/feed");
  auto first = entry("https://example.com/posts/a", "Daily briefing", "1");
  fx.poll(f, feed_of({first}), at(2));
  REQUIRE(fx.store->prune(at(2) + days(100), 100).ok());
  // The pruned article is still listed, now numbered "2"; the new "1" has its title and date.
  auto shifted = first;
  shifted.id = "2";
  auto newer = entry("https://example.com/posts/b", "Daily briefing", "1");
  newer.published = first.published;
  const auto next = fx.poll(f, feed_of({newer, shifted}), at(2) + days(101));
  CHECK(next.new_entries.size() == 1);
  CHECK(next.relinked == 0);
}
