// A feed that changes an article's link at every poll (a session id, a rotating token): the
// article is found under the link it was stored with by its guid, or, without one, by its
// title, and is never new again. And every case where the same guid or title may name
// another article stays new.

#include <string>

#include <doctest/doctest.h>

#include "feed/parser.hpp"
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

// Two articles polled four times under new session ids, then a third among them, each
// made by `make(article, poll, title)`: nothing is new again, and each article keeps the
// link it was first stored with.
template <class Make>
void check_moving_links(Make make) {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({make(1, 1, "One"), make(2, 1, "Two")}), at(2));
  REQUIRE(first.new_entries.size() == 2);
  CHECK(first.relinked == 0);
  for (int poll = 2; poll <= 4; ++poll) {
    CAPTURE(poll);
    const auto again = fx.poll(f, feed_of({make(1, poll, "One"), make(2, poll, "Two")}), at(2 + poll));
    CHECK(again.new_entries.empty());
    CHECK(again.duplicates == 2);
    CHECK(again.relinked == 2);
  }
  // A new article among them is new, once.
  const auto third = fx.poll(f, feed_of({make(3, 5, "Three"), make(1, 5, "One"), make(2, 5, "Two")}), at(8));
  CHECK(third.new_entries.size() == 1);
  CHECK(third.relinked == 2);
  const auto stored = fx.store->newest(10);
  REQUIRE(stored.size() == 3);
  CHECK(stored[1].url == "https://example.com/story/2;jsessionid=S1");
  CHECK(stored[2].url == "https://example.com/story/1;jsessionid=S1");
}

// The article made by `make(article, poll, title)`, edited under a moved link: found, and
// updated in place.
template <class Make>
void check_edited_is_updated(Make make) {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({make(1, 1, "One")}), at(2));
  REQUIRE(first.new_entries.size() == 1);
  auto edited = make(1, 2, "One");
  edited.content = "<p>with a correction</p>";
  const auto again = fx.poll(f, feed_of({edited}), at(3));
  CHECK(again.new_entries.empty());
  CHECK(again.updated == 1);
  CHECK(again.relinked == 1);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].content == "<p>with a correction</p>");
}

}  // namespace

TEST_CASE("a feed that changes its links but keeps its guids makes no duplicates") {
  check_moving_links(session_entry);
}

TEST_CASE("entries stored under FeedBurner's redirect are found once the parser reads origLink") {
  // What an upgrade of the parser does to a stored FeedBurner feed: every link changes
  // from the redirect to the article's own URL. Before origLink was read, the document
  // was keyed by its <link>s, as this one without origLink is.
  const auto document = [](bool with_orig_link) {
    std::string items;
    for (const char* n : {"1", "2"}) {
      items += std::string("<item><title>Story ") + n + "</title><guid isPermaLink=\"false\">story-" + n + "</guid>" +
               "<pubDate>Thu, 27 Feb 2025 1" + n + ":00:00 GMT</pubDate>" +
               "<link>http://feedproxy.google.com/~r/Example/~3/x" + n + "/story-" + n + "</link>" +
               (with_orig_link ? std::string("<feedburner:origLink>https://example.org/story-") + n + "</feedburner:origLink>"
                               : std::string()) +
               "</item>";
    }
    auto parsed = feed::parse("<rss version=\"2.0\" xmlns:feedburner=\"http://rssnamespace.org/feedburner/ext/1.0\">"
                              "<channel><title>Example</title>" + items + "</channel></rss>");
    REQUIRE(parsed.ok());
    return std::move(parsed).value();
  };
  StoreFixture fx;
  const FeedState f = fx.feed("https://feeds.feedburner.com/Example");
  REQUIRE(fx.poll(f, document(false), at(2)).new_entries.size() == 2);
  const auto after = fx.poll(f, document(true), at(3));
  CHECK(after.new_entries.empty());
  CHECK(after.relinked == 2);
}

TEST_CASE("an article found under its moved link is updated when its content changed") {
  check_edited_is_updated(session_entry);
}

TEST_CASE("an article under a moved link whose text links carry the session id too is not updated for them") {
  // A feed that puts a session id in every link puts it in the links of its text too.
  const auto with_link_in_text = [](int poll, const std::string& words) {
    auto e = session_entry(1, poll, "One");
    e.summary = "<p>" + words + " <a href=\"" + e.link + "\">Read on</a></p>";
    return e;
  };
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({with_link_in_text(1, "The story.")}), at(2));
  REQUIRE(first.new_entries.size() == 1);
  const auto again = fx.poll(f, feed_of({with_link_in_text(2, "The story.")}), at(3));
  CHECK(again.new_entries.empty());
  CHECK(again.updated == 0);
  CHECK(again.duplicates == 1);
  CHECK(again.relinked == 1);
  // Text that reads otherwise is an update.
  const auto edited = fx.poll(f, feed_of({with_link_in_text(3, "The story, corrected.")}), at(4));
  CHECK(edited.updated == 1);
  CHECK(edited.relinked == 1);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].summary.find("The story, corrected.") != std::string::npos);
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

namespace {

// Polls `before`, then `after` a day later (from another feed when `other_feed`), and
// says what the second poll made of its entries.
IngestResult second_poll(const feed::Feed& before, const feed::Feed& after, bool other_feed = false) {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = other_feed ? fx.feed("https://b.example/feed") : a;
  fx.poll(a, before, at(2));
  return fx.poll(b, after, at(3));
}

}  // namespace

TEST_CASE("a guid used again for another article is a new article") {
  SUBCASE("with another title") {
    const auto next = second_poll(feed_of({entry("https://example.com/today/1", "Monday's word", "word-of-the-day")}),
                                  feed_of({entry("https://example.com/today/2", "Tuesday's word", "word-of-the-day")}));
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
  SUBCASE("with the same title but other content and another date") {
    auto monday = entry("https://example.com/today/1", "Word of the day", "word-of-the-day");
    monday.published = at(2, 6);
    auto tuesday = entry("https://example.com/today/2", "Word of the day", "word-of-the-day");
    tuesday.published = at(3, 6);
    tuesday.summary = "<p>serendipity</p>";
    CHECK(second_poll(feed_of({monday}), feed_of({tuesday})).new_entries.size() == 1);
  }
  SUBCASE("with the same title and content but no date to tell them apart") {
    // A daily "Open thread" whose text never changes: same guid, title and content, and
    // no date. Only the link tells the days apart... and the old link is gone. Without a
    // date there is no telling, and the same content is taken as the same article.
    auto monday = entry("https://example.com/thread/1", "Open thread", "open-thread");
    monday.published.reset();
    auto tuesday = monday;
    tuesday.link = "https://example.com/thread/2";
    CHECK(second_poll(feed_of({monday}), feed_of({tuesday})).relinked == 1);
  }
}

TEST_CASE("a guid whose stored article is still in the document names another article") {
  // A feed that numbers its items: the newest is always "1". The article that was "1" is
  // still listed, as "2", under its own link: the new "1" is a new article, even with the
  // same title and date.
  auto first = entry("https://example.com/posts/a", "Daily briefing", "1");
  auto shifted = first;
  shifted.id = "2";
  auto newer = entry("https://example.com/posts/b", "Daily briefing", "1");
  newer.published = first.published;
  const auto next = second_poll(feed_of({first}), feed_of({newer, shifted}));
  CHECK(next.new_entries.size() == 1);
  CHECK(next.duplicates == 1);
  CHECK(next.relinked == 0);
}

TEST_CASE("a guid that is not one article's matches nothing") {
  SUBCASE("carried twice in one document") {
    const auto next = second_poll(feed_of({entry("https://example.com/a?s=1", "Same", "same-guid")}),
                                  feed_of({entry("https://example.com/a?s=2", "Same", "same-guid"),
                                           entry("https://example.com/b?s=2", "Same", "same-guid")}));
    CHECK(next.new_entries.size() == 2);
    CHECK(next.relinked == 0);
  }
  SUBCASE("shared by two stored articles") {
    const auto next = second_poll(feed_of({entry("https://example.com/a", "Same", "same-guid"),
                                           entry("https://example.com/b", "Same", "same-guid")}),
                                  feed_of({entry("https://example.com/c", "Same", "same-guid")}));
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
  SUBCASE("another feed's: guids are a feed's own") {
    const auto next = second_poll(feed_of({entry("https://a.example/post/1", "Hello", "post-1")}),
                                  feed_of({entry("https://b.example/post/1", "Hello", "post-1")}), true);
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
}

TEST_CASE("an entry without a title is never matched") {
  CHECK(second_poll(feed_of({session_entry(1, 1, "")}), feed_of({session_entry(1, 2, "")})).new_entries.size() == 1);
  auto first = session_entry(1, 1, "");
  first.id.clear();
  auto second = session_entry(1, 2, "");
  second.id.clear();
  CHECK(second_poll(feed_of({first}), feed_of({second})).new_entries.size() == 1);
}

namespace {

// The article `n` as a feed without guids, with session ids in its links, shows it at
// poll `poll`.
feed::Entry guidless_entry(int n, int poll, std::string title) {
  auto e = session_entry(n, poll, std::move(title));
  e.id.clear();
  return e;
}

}  // namespace

TEST_CASE("a feed that changes its links and has no guids makes no duplicates: title and date find the article") {
  check_moving_links(guidless_entry);
}

TEST_CASE("a guid that moves with its link: the title and date find the article") {
  // RSS's permalink guid is the link, so it moves with it.
  auto first = session_entry(1, 1, "One");
  first.id = first.link;
  auto moved = session_entry(1, 2, "One");
  moved.id = moved.link;
  const auto next = second_poll(feed_of({first}), feed_of({moved}));
  CHECK(next.new_entries.empty());
  CHECK(next.relinked == 1);
}

TEST_CASE("an edited article under a moved link without a guid is found by its title and date, and updated") {
  check_edited_is_updated(guidless_entry);
}

TEST_CASE("undated entries without guids under moved links are found by title and content") {
  auto undated = [](int poll, std::string summary) {
    auto e = guidless_entry(1, poll, "Open letter");
    e.published.reset();
    e.summary = std::move(summary);
    return e;
  };
  SUBCASE("the same text: the same article") {
    const auto next = second_poll(feed_of({undated(1, "<p>Dear all</p>")}), feed_of({undated(2, "<p>Dear all</p>")}));
    CHECK(next.new_entries.empty());
    CHECK(next.relinked == 1);
  }
  SUBCASE("other text: another article") {
    CHECK(second_poll(feed_of({undated(1, "<p>Dear all</p>")}), feed_of({undated(2, "<p>Dear board</p>")}))
              .new_entries.size() == 1);
  }
  SUBCASE("nothing but a title says too little") {
    // A board of undated postings: each "Engineer" is another job.
    CHECK(second_poll(feed_of({undated(1, "")}), feed_of({undated(2, "")})).new_entries.size() == 1);
  }
}

TEST_CASE("a title used again is a new article unless the date, or the text of an undated one, is the same") {
  SUBCASE("another date, the same text: a notice that recurs") {
    auto monday = guidless_entry(1, 1, "Office hours");
    monday.published = at(2, 9);
    auto tuesday = guidless_entry(2, 2, "Office hours");
    tuesday.published = at(3, 9);
    CHECK(second_poll(feed_of({monday}), feed_of({tuesday})).new_entries.size() == 1);
  }
  SUBCASE("dated once, undated once") {
    auto dated = guidless_entry(1, 1, "One");
    auto undated = guidless_entry(1, 2, "One");
    undated.published.reset();
    CHECK(second_poll(feed_of({dated}), feed_of({undated})).new_entries.size() == 1);
  }
  SUBCASE("twice in the document") {
    const auto next = second_poll(feed_of({guidless_entry(1, 1, "Same")}),
                                  feed_of({guidless_entry(1, 2, "Same"), guidless_entry(2, 2, "Same")}));
    CHECK(next.new_entries.size() == 2);
    CHECK(next.relinked == 0);
  }
  SUBCASE("shared by two stored articles") {
    auto a = guidless_entry(1, 1, "Same");
    auto b = guidless_entry(2, 1, "Same");
    b.published = a.published;
    auto c = guidless_entry(3, 2, "Same");
    c.published = a.published;
    CHECK(second_poll(feed_of({a, b}), feed_of({c})).new_entries.size() == 1);
  }
  SUBCASE("the stored article is still in the document, retitled") {
    auto stored = guidless_entry(1, 1, "Briefing");
    auto retitled = stored;
    retitled.title = "Briefing, updated";
    auto newer = guidless_entry(2, 1, "Briefing");
    newer.published = stored.published;
    const auto next = second_poll(feed_of({stored}), feed_of({newer, retitled}));
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
  SUBCASE("the stored article's guid is still in the document") {
    // Its link moved and it was retitled: its guid says it is still listed (as a new
    // entry, the title being another), so another entry with its old title is not it.
    auto stored = session_entry(1, 1, "Briefing");
    stored.id = "https://example.com/?p=1";
    auto kept = session_entry(1, 2, "Briefing, updated");
    kept.id = stored.id;
    auto newer = session_entry(2, 2, "Briefing");
    newer.published = stored.published;
    newer.id = "https://example.com/?p=2";
    const auto next = second_poll(feed_of({stored}), feed_of({newer, kept}));
    CHECK(next.new_entries.size() == 2);
    CHECK(next.relinked == 0);
  }
  SUBCASE("a guid that names one article, not a URL, is another article's") {
    // session_entry's guids are URNs: the feed's own names for its articles.
    auto next_one = session_entry(2, 2, "One");
    next_one.published = session_entry(1, 1, "One").published;
    CHECK(second_poll(feed_of({session_entry(1, 1, "One")}), feed_of({next_one})).new_entries.size() == 1);
    CHECK(second_poll(feed_of({session_entry(1, 1, "One")}), feed_of({guidless_entry(1, 2, "One")}))
              .new_entries.size() == 1);
    CHECK(second_poll(feed_of({guidless_entry(1, 1, "One")}), feed_of({session_entry(1, 2, "One")}))
              .new_entries.size() == 1);
  }
  SUBCASE("another feed's") {
    const auto next =
        second_poll(feed_of({guidless_entry(1, 1, "Hello")}), feed_of({guidless_entry(1, 2, "Hello")}), true);
    CHECK(next.new_entries.size() == 1);
    CHECK(next.relinked == 0);
  }
}

namespace {

using std::chrono::days;

// A store keeping entries 90 days, and one feed whose first document retention removed.
struct Buried : StoreFixture {
  static constexpr int kPrunedOnDay = 100;  // days after the first poll
  StoreOptions keep = [] {
    StoreOptions o;
    o.retention_days = 90;
    o.max_entries_per_feed = 0;
    return o;
  }();
  FeedState f;

  explicit Buried(const feed::Feed& first) {
    reopen(keep);
    f = feed("https://example.com/feed");
    poll(f, first, at(2));
    auto r = store->prune(pruned(), 100);
    REQUIRE(r.ok());
    REQUIRE(r->entries == first.entries.size());
    REQUIRE(store->newest(10).empty());
  }
  static Instant pruned() { return at(2) + days(kPrunedOnDay); }
  // The feed polled `after` days past the prune.
  IngestResult poll_after(const feed::Feed& doc, int after) { return poll(f, doc, pruned() + days(after)); }
};

}  // namespace

TEST_CASE("an article retention removed is found by its tombstone when its link moved") {
  // A small blog whose feed lists its posts for years, each link with a new session id.
  Buried fx(feed_of({session_entry(1, 1, "One"), session_entry(2, 1, "Two")}));

  SUBCASE("in the same store") {}
  SUBCASE("after a reopen") { fx.reopen(fx.keep); }

  const auto again = fx.poll_after(feed_of({session_entry(1, 2, "One"), session_entry(2, 2, "Two")}), 1);
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 2);
  CHECK(again.relinked == 2);
  CHECK(fx.store->undigested(10).empty());
  // Found under its old key, the tombstone is renewed: it lasts while the feed carries it.
  CHECK(fx.store->has_tombstone("https://example.com/story/1;jsessionid=S1"));
  CHECK_FALSE(fx.store->has_tombstone("https://example.com/story/1;jsessionid=S2"));
  sql::Db db(fx.db_path, SQLITE_OPEN_READONLY);
  CHECK(db.query_int("SELECT min(last_seen) FROM tombstones") == (Buried::pruned() + days(1)).time_since_epoch().count());
  CHECK(db.query_int("SELECT count(*) FROM tombstones") == 2);
}

TEST_CASE("an article without a guid, or with one that moves, that retention removed is found by its title") {
  bool permalink = false;
  SUBCASE("no guid") {}
  SUBCASE("a permalink guid, which moves with the link") { permalink = true; }
  const auto make = [&](int n, int poll, std::string title) {
    auto e = guidless_entry(n, poll, std::move(title));
    if (permalink) e.id = e.link;
    return e;
  };
  Buried fx(feed_of({make(1, 1, "One"), make(2, 1, "Two")}));
  fx.reopen(fx.keep);

  auto redated = make(2, 2, "Two");
  redated.published = at(1, 20);
  const auto again = fx.poll_after(feed_of({make(1, 2, "One"), redated}), 1);
  CHECK(again.relinked == 1);
  CHECK(again.duplicates == 1);
  // The title alone needs the date: another date is another article.
  CHECK(again.new_entries.size() == 1);
  CHECK(fx.store->has_tombstone("https://example.com/story/1;jsessionid=S1"));
}

TEST_CASE("a pruned article under a moved link is found when edited or re-dated, as a stored one is") {
  Buried fx(feed_of({session_entry(1, 1, "One")}));
  auto back = session_entry(1, 2, "One");
  SUBCASE("edited, same date") { back.summary = "<p>corrected</p>"; }
  SUBCASE("re-dated, same content") { back.published = Buried::pruned(); }
  const auto again = fx.poll_after(feed_of({back}), 1);
  CHECK(again.new_entries.empty());
  CHECK(again.relinked == 1);
}

TEST_CASE("a tombstone's article is not taken for a new one that shares its guid but not its title or date") {
  auto monday = entry("https://example.com/today/1", "Word of the day", "word-of-the-day");
  monday.published = at(1, 6);
  Buried fx(feed_of({monday}));
  auto later = entry("https://example.com/today/101", "Word of the day", "word-of-the-day");
  later.published = Buried::pruned();
  later.summary = "<p>serendipity</p>";
  CHECK(fx.poll_after(feed_of({later}), 0).new_entries.size() == 1);
  auto renamed = monday;
  renamed.link = "https://example.com/today/1?s=2";
  renamed.title = "Another title";
  CHECK(fx.poll_after(feed_of({renamed}), 1).new_entries.size() == 1);
}

TEST_CASE("a tombstone whose link the document still has is not another entry's old link") {
  auto first = entry("https://example.com/posts/a", "Daily briefing", "1");
  Buried fx(feed_of({first}));
  // The pruned article is still listed, now numbered "2"; the new "1" has its title and date.
  auto shifted = first;
  shifted.id = "2";
  auto newer = entry("https://example.com/posts/b", "Daily briefing", "1");
  newer.published = first.published;
  const auto next = fx.poll_after(feed_of({newer, shifted}), 1);
  CHECK(next.new_entries.size() == 1);
  CHECK(next.relinked == 0);
}

TEST_CASE("a guid that two tombstones share matches neither") {
  Buried fx(feed_of({entry("https://example.com/a", "Same", "same-guid"), entry("https://example.com/b", "Same", "same-guid")}));
  const auto next = fx.poll_after(feed_of({entry("https://example.com/c", "Same", "same-guid")}), 1);
  CHECK(next.new_entries.size() == 1);
  CHECK(next.relinked == 0);
}

namespace {

// Feed A, whose links carry session ids, and feed B, which carries one of A's articles too.
// A keeps two entries (max_entries_per_feed).
struct Shared : StoreFixture {
  FeedState a;
  FeedState b;
  feed::Entry (*make)(int, int, std::string) = session_entry;

  Shared() {
    reopen(options());
    a = feed("https://a.example/feed");
    b = feed("https://b.example/feed");
  }
  static StoreOptions options() {
    StoreOptions o;
    o.max_entries_per_feed = 2;
    o.retention_days = 90;
    return o;
  }
  // The shared article as A lists it at `poll`.
  feed::Entry article(int poll) const { return make(1, poll, "One"); }
  // Two articles of A, newer than the shared one, so A's cap drops that one.
  static feed::Feed newer() {
    auto n1 = entry("https://a.example/n1", "Newer one");
    auto n2 = entry("https://a.example/n2", "Newer two");
    n1.published = n2.published = at(2);
    return feed_of({n1, n2});
  }
  void prune(Instant now) {
    auto r = store->prune(now, 100);
    REQUIRE(r.ok());
  }
};

// Each way the moved-link rules find an article: its guid (a URN), its title (no guid, or a
// permalink guid that moves with the link).
void choose_kind(Shared& fx) {
  SUBCASE("found by its guid") { fx.make = session_entry; }
  SUBCASE("found by its title, without a guid") { fx.make = guidless_entry; }
  SUBCASE("found by its title, with a permalink guid") {
    fx.make = [](int n, int poll, std::string title) {
      auto e = guidless_entry(n, poll, std::move(title));
      e.id = e.link;
      return e;
    };
  }
}

}  // namespace

TEST_CASE("an article a feed's cap handed to another feed is found when the first feed's link to it moves") {
  Shared fx;
  choose_kind(fx);
  REQUIRE(fx.poll(fx.a, feed_of({fx.article(1)}), at(2)).new_entries.size() == 1);
  CHECK(fx.poll(fx.b, feed_of({fx.article(1)}), at(2)).duplicates == 1);
  REQUIRE(fx.poll(fx.a, Shared::newer(), at(3)).new_entries.size() == 2);
  // A lists the article again, under a new session id: found, not new.
  const feed::Feed listed = feed_of({fx.article(2)});
  const auto moved = fx.poll(fx.a, listed, at(4));
  CHECK(moved.new_entries.empty());
  CHECK(moved.relinked == 1);

  // A's cap keeps its two newer entries; B keeps the article, which becomes B's, while A's
  // document still lists it.
  fx.prune(at(4));
  const auto stored = fx.store->newest(10);
  REQUIRE(stored.size() == 3);
  CHECK(stored[2].url == fx.article(1).link);
  CHECK(stored[2].feed_url == "https://b.example/feed");

  SUBCASE("in the same store") {}
  SUBCASE("after a reopen") { fx.reopen(Shared::options()); }

  // The same document, and then the next session id: A finds the article by what it left.
  const auto again = fx.poll(fx.a, listed, at(4));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 1);
  CHECK(again.relinked == 1);
  const auto next = fx.poll(fx.a, feed_of({fx.article(3)}), at(5));
  CHECK(next.new_entries.empty());
  CHECK(next.relinked == 1);
  CHECK(fx.store->newest(10).size() == 3);
}

TEST_CASE("an article a feed carried after another is found when its link moves, kept, dropped or removed") {
  Shared fx;
  choose_kind(fx);
  // B has the article first; A lists it under the same link, then under session ids.
  REQUIRE(fx.poll(fx.b, feed_of({fx.article(1)}), at(2)).new_entries.size() == 1);
  CHECK(fx.poll(fx.a, feed_of({fx.article(1)}), at(2)).duplicates == 1);
  const auto moved = fx.poll(fx.a, feed_of({fx.article(2)}), at(3));
  CHECK(moved.new_entries.empty());
  CHECK(moved.relinked == 1);

  SUBCASE("A's cap drops it, B keeps it") {
    REQUIRE(fx.poll(fx.a, Shared::newer(), at(3)).new_entries.size() == 2);
    fx.prune(at(3));
    REQUIRE(fx.store->feed_stats().size() == 2);
    CHECK(fx.store->feed_stats()[0].entries == 2);  // A: the newer two
  }
  SUBCASE("retention removes it") {
    fx.prune(at(3) + std::chrono::days(100));
    CHECK(fx.store->newest(10).empty());
  }
  fx.reopen(Shared::options());
  const auto next = fx.poll(fx.a, feed_of({fx.article(4)}), at(3) + std::chrono::days(101));
  CHECK(next.new_entries.empty());
  CHECK(next.relinked == 1);
}

TEST_CASE("a departure lasts while its feed brings the article, then expires as a tombstone does") {
  StoreOptions o = Shared::options();
  o.tombstone_days = 30;
  Shared fx;
  fx.reopen(o);
  REQUIRE(fx.poll(fx.b, feed_of({fx.article(1)}), at(2)).new_entries.size() == 1);
  CHECK(fx.poll(fx.a, feed_of({fx.article(1)}), at(2)).duplicates == 1);
  // Retention removes the article: B's tombstone, A's departure.
  const Instant removed = at(2) + std::chrono::days(100);
  fx.prune(removed);
  sql::Db db(fx.db_path, SQLITE_OPEN_READONLY);
  REQUIRE(db.query_int("SELECT count(*) FROM departures") == 1);
  // A brings it 20 days later under a new link: found, and its departure renewed.
  const Instant brought = removed + std::chrono::days(20);
  CHECK(fx.poll(fx.a, feed_of({fx.article(2)}), brought).relinked == 1);
  CHECK(db.query_int("SELECT last_seen FROM departures") == brought.time_since_epoch().count());
  auto kept = fx.store->prune(removed + std::chrono::days(40), 100);
  REQUIRE(kept.ok());
  CHECK(kept->departures == 0);
  auto expired = fx.store->prune(brought + std::chrono::days(31), 100);
  REQUIRE(expired.ok());
  CHECK(expired->departures == 1);
  CHECK(db.query_int("SELECT count(*) FROM departures") == 0);
}
