#include <algorithm>
#include <filesystem>

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

TEST_CASE("a new feed starts with empty state and is found again after reopening") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://example.com/feed.xml");
  CHECK(a.id > 0);
  CHECK(a.url == "https://example.com/feed.xml");
  CHECK(a.etag.empty());
  CHECK(a.consecutive_errors == 0);
  CHECK_FALSE(a.next_due.has_value());
  CHECK(fx.feed("https://example.com/feed.xml").id == a.id);
  fx.reopen();
  REQUIRE(fx.store->feeds().size() == 1);
  CHECK(fx.store->feeds()[0].id == a.id);
}

TEST_CASE("commit_poll stores the feed's state exactly as given") {
  StoreFixture fx;
  FeedState s = fx.feed("https://example.com/feed.xml");
  s.title = "Example";
  s.site_link = "https://example.com/";
  s.etag = "W/\"abc\"";
  s.last_modified = "Thu, 27 Feb 2025 15:04:00 GMT";
  s.last_status = 503;
  s.last_error = "HTTP 503";
  s.consecutive_errors = 3;
  s.last_poll = at(5, 10);
  s.last_success = at(4, 9);
  s.next_due = at(5, 11);
  s.next_due_reason = "backoff";
  s.disabled_reason = "";
  s.poll_url = "https://example.com/moved.xml";
  s.schedule_memory = "{\"polls_without_new\":2}";
  REQUIRE(fx.store->commit_poll(s, nullptr, at(5, 10)).ok());
  fx.reopen();
  const auto got = fx.store->feed_by_url("https://example.com/feed.xml");
  REQUIRE(got.has_value());
  CHECK(got->title == "Example");
  CHECK(got->etag == "W/\"abc\"");
  CHECK(got->last_modified == s.last_modified);
  CHECK(got->last_status == 503);
  CHECK(got->last_error == "HTTP 503");
  CHECK(got->consecutive_errors == 3);
  CHECK(got->last_poll == s.last_poll);
  CHECK(got->last_success == s.last_success);
  CHECK(got->next_due == s.next_due);
  CHECK(got->next_due_reason == "backoff");
  CHECK(got->poll_url == "https://example.com/moved.xml");
  CHECK(got->schedule_memory == s.schedule_memory);
  CHECK(got->url == "https://example.com/feed.xml");  // the identity stays
}

TEST_CASE("commit_poll for a feed id that does not exist is an error naming the feed") {
  StoreFixture fx;
  FeedState ghost{};
  ghost.id = 4242;
  ghost.url = "https://ghost.example/feed";
  auto r = fx.store->commit_poll(ghost, nullptr, at(2));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("https://ghost.example/feed") != std::string::npos);
}

TEST_CASE("entries are new once, then duplicates") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed.xml");
  const auto doc = feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two")});
  const auto first = fx.poll(f, doc);
  CHECK(first.new_entries.size() == 2);
  CHECK(first.duplicates == 0);
  const auto second = fx.poll(f, doc);
  CHECK(second.new_entries.empty());
  CHECK(second.duplicates == 2);
  CHECK(second.updated == 0);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].title == "One");
  CHECK(stored[1].title == "Two");
  CHECK(stored[0].url_key == "//example.com/1");
}

TEST_CASE("the same article in two feeds is stored once and linked to both") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = fx.feed("https://b.example/feed");
  const auto in_a = fx.poll(a, feed_of({entry("https://news.example/story?utm_source=a", "Story")}));
  const auto in_b = fx.poll(b, feed_of({entry("http://NEWS.example/story?utm_source=b", "Story")}));
  CHECK(in_a.new_entries.size() == 1);
  CHECK(in_b.new_entries.empty());
  CHECK(in_b.duplicates == 1);
  CHECK(fx.store->newest(10).size() == 1);
  CHECK(fx.store->newest(10, {"https://a.example/feed"}).size() == 1);
  CHECK(fx.store->newest(10, {"https://b.example/feed"}).size() == 1);
  CHECK(fx.store->newest(10, {"https://c.example/feed"}).empty());
  // The source named is the feed that carried it first.
  CHECK(fx.store->newest(10)[0].feed_url == "https://a.example/feed");
}

TEST_CASE("two feeds describing one article differently do not overwrite each other") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = fx.feed("https://b.example/feed");
  auto from_a = entry("https://news.example/story", "Story");
  auto from_b = entry("https://news.example/story#comments", "Story, as B tells it");
  from_b.summary = "<p>B's own summary</p>";
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    const auto in_a = fx.poll(a, feed_of({from_a}), at(2 + round));
    const auto in_b = fx.poll(b, feed_of({from_b}), at(2 + round));
    CHECK(in_a.updated == 0);
    CHECK(in_b.updated == 0);
  }
  const auto stored = fx.store->newest(10);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].title == "Story");
  CHECK(stored[0].feed_url == "https://a.example/feed");
}

TEST_CASE("a feed that changes its guids but keeps its links makes no duplicates") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/p/1", "One", "urn:uuid:1111")}));
  const auto again = fx.poll(f, feed_of({entry("https://example.com/p/1", "One", "urn:uuid:2222")}));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 1);
  CHECK(fx.store->newest(10).size() == 1);
}

TEST_CASE("an old entry re-posted with a new date makes no duplicate") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto e = entry("https://example.com/p/1", "One");
  e.published = at(1);
  fx.poll(f, feed_of({e}), at(2));
  e.published = at(20);
  e.updated = at(20);
  const auto again = fx.poll(f, feed_of({e}), at(21));
  CHECK(again.new_entries.empty());
  CHECK(again.duplicates == 1);
  const auto stored = fx.store->newest(10);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].published == at(1));
}

TEST_CASE("an entry whose content changes is updated in place and is not new again") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto e = entry("https://example.com/p/1", "One");
  const auto first = fx.poll(f, feed_of({e}), at(2));
  REQUIRE(first.new_entries.size() == 1);
  e.content = "<p>now with a correction</p>";
  e.updated = at(3, 8);
  const auto again = fx.poll(f, feed_of({e}), at(3, 9));
  CHECK(again.new_entries.empty());
  CHECK(again.updated == 1);
  CHECK(again.duplicates == 0);
  const auto stored = fx.store->entries_by_id(first.new_entries);
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].content == "<p>now with a correction</p>");
  CHECK(stored[0].updated == at(3, 8));
  CHECK(stored[0].first_seen == at(2));
  // The same content a third time is a plain duplicate.
  const auto third = fx.poll(f, feed_of({e}), at(4));
  CHECK(third.duplicates == 1);
  CHECK(third.updated == 0);
}

TEST_CASE("an entry whose markup alone changes is not updated: a token in its URLs is no edit") {
  // Signed image URLs, tracking tokens and session ids change at every request.
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto with_token = [](int token) {
    auto e = entry("https://example.com/p/1", "One");
    e.content = "<p>The <a href=\"https://example.com/x?sid=" + std::to_string(token) +
                "\">story</a>.<img src=\"https://cdn.example/a.jpg?sig=" + std::to_string(token) + "\"></p>";
    return e;
  };
  const auto first = fx.poll(f, feed_of({with_token(1)}), at(2));
  REQUIRE(first.new_entries.size() == 1);
  const auto again = fx.poll(f, feed_of({with_token(2)}), at(3));
  CHECK(again.duplicates == 1);
  CHECK(again.updated == 0);
  REQUIRE(fx.store->entries_by_id(first.new_entries).size() == 1);
  CHECK(fx.store->entries_by_id(first.new_entries)[0].content == with_token(1).content);
  // What a reader reads is compared whole: the title, the text, the categories.
  auto retitled = with_token(3);
  retitled.title = "One, corrected";
  CHECK(fx.poll(f, feed_of({retitled}), at(4)).updated == 1);
  auto reworded = retitled;
  reworded.content = "<p>The <a href=\"https://example.com/x\">stories</a>.</p>";
  CHECK(fx.poll(f, feed_of({reworded}), at(5)).updated == 1);
  auto filed = reworded;
  filed.categories = {"world"};
  CHECK(fx.poll(f, feed_of({filed}), at(6)).updated == 1);
}

TEST_CASE("entries that leave the feed stay stored") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1"), entry("https://example.com/2")}));
  fx.poll(f, feed_of({entry("https://example.com/3")}));
  CHECK(fx.store->newest(10).size() == 3);
}

TEST_CASE("a future date is clamped to the first-seen time and a missing one takes it") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto future = entry("https://example.com/future");
  future.published = at(30);
  auto flagged = entry("https://example.com/flagged");
  flagged.published = at(1);
  flagged.date_in_future = true;
  auto missing = entry("https://example.com/missing");
  missing.published.reset();
  auto fine = entry("https://example.com/fine");
  const auto r = fx.poll(f, feed_of({future, flagged, missing, fine}), at(2));
  const auto stored = fx.store->entries_by_id(r.new_entries);
  REQUIRE(stored.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(stored[i].url);
    CHECK(stored[i].published == at(2));
    CHECK(stored[i].date_clamped);
  }
  CHECK(stored[3].published == at(1));
  CHECK_FALSE(stored[3].date_clamped);
}

TEST_CASE("newest lists entries newest first by published date") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto a = entry("https://example.com/a", "A");
  a.published = at(3);
  auto b = entry("https://example.com/b", "B");
  b.published = at(5);
  auto c = entry("https://example.com/c", "C");
  c.published = at(4);
  fx.poll(f, feed_of({a, b, c}), at(6));
  const auto top = fx.store->newest(2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].title == "B");
  CHECK(top[1].title == "C");
}

TEST_CASE("authors, categories and enclosures come back as they went in") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto e = entry("https://example.com/ep1", "Episode 1");
  e.authors = {{"Ann \"A\" Author", "ann@example.com", "https://ann.example/"}, {"Bob", "", ""}};
  e.categories = {"tech", "caf\xc3\xa9"};
  e.enclosures = {{"https://example.com/ep1.mp3", "audio/mpeg", 12345}, {"https://example.com/x", "", std::nullopt}};
  const auto r = fx.poll(f, feed_of({e}));
  const auto stored = fx.store->entries_by_id(r.new_entries);
  REQUIRE(stored.size() == 1);
  REQUIRE(stored[0].authors.size() == 2);
  CHECK(stored[0].authors[0].name == "Ann \"A\" Author");
  CHECK(stored[0].authors[0].email == "ann@example.com");
  CHECK(stored[0].authors[0].uri == "https://ann.example/");
  CHECK(stored[0].authors[1].name == "Bob");
  CHECK(stored[0].categories == std::vector<std::string>{"tech", "caf\xc3\xa9"});
  REQUIRE(stored[0].enclosures.size() == 2);
  CHECK(stored[0].enclosures[0].url == "https://example.com/ep1.mp3");
  CHECK(stored[0].enclosures[0].type == "audio/mpeg");
  CHECK(stored[0].enclosures[0].length == 12345);
  CHECK_FALSE(stored[0].enclosures[1].length.has_value());
}

TEST_CASE("the digest record hands out each entry until it is marked, oldest first") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto r = fx.poll(f, feed_of({entry("https://example.com/1", "One"), entry("https://example.com/2", "Two")}));
  auto pending = fx.store->undigested(10);
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].title == "One");
  CHECK(pending[0].feed_url == "https://example.com/feed");
  REQUIRE(fx.store->mark_digested({pending[0].id}).ok());
  pending = fx.store->undigested(10);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].title == "Two");
  fx.reopen();
  CHECK(fx.store->undigested(10).size() == 1);
  REQUIRE(fx.store->mark_digested({pending[0].id}).ok());
  CHECK(fx.store->undigested(10).empty());
  // A duplicate poll does not bring entries back into the digest.
  fx.poll(f, feed_of({entry("https://example.com/1", "One")}));
  CHECK(fx.store->undigested(10).empty());
}

TEST_CASE("newest is exact when entries were first seen over many months and published out of order") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  const FeedState b = fx.feed("https://b.example/feed");
  std::vector<std::pair<Instant, std::string>> expected;
  std::size_t in_b = 0;
  // Polls over 300 days; each brings entries published from minutes to months before.
  for (int day = 0; day < 300; day += 7) {
    const Instant now = at(1) + std::chrono::days(day);
    feed::Feed doc;
    for (int k = 0; k < 4; ++k) {
      auto e = entry("https://x.example/" + std::to_string(day) + "/" + std::to_string(k));
      e.published = now - std::chrono::hours(1 + ((day * 37 + k * 1009) % 2000));
      doc.entries.push_back(e);
      expected.emplace_back(*e.published, e.link);
    }
    fx.poll(day % 2 == 0 ? a : b, doc, now);
    if (day % 2 != 0) in_b += doc.entries.size();
  }
  std::sort(expected.begin(), expected.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (std::size_t limit : {1U, 5U, 20U, 100U, 1000U}) {
    CAPTURE(limit);
    const auto got = fx.store->newest(limit);
    REQUIRE(got.size() == std::min<std::size_t>(limit, expected.size()));
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].published == expected[i].first);
    }
  }
  // The same with a feed filter: only feed b's entries, still in order.
  const auto only_b = fx.store->newest(1000, {"https://b.example/feed"});
  REQUIRE(in_b > 0);
  CHECK(only_b.size() == in_b);
  for (std::size_t i = 1; i < only_b.size(); ++i) CHECK(only_b[i - 1].published >= only_b[i].published);
  for (const auto& e : only_b) CHECK(e.feed_url == "https://b.example/feed");
}

TEST_CASE("one poll carrying the same article twice stores it once") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto r = fx.poll(f, feed_of({entry("https://example.com/a?utm_source=x", "A", "1"),
                                     entry("https://example.com/a", "A", "2")}));
  CHECK(r.new_entries.size() == 1);
  CHECK(r.duplicates == 1);
  CHECK(fx.store->newest(10).size() == 1);
}

TEST_CASE("a feed moved by a permanent redirect keeps its entries and id") {
  StoreFixture fx;
  FeedState f = fx.feed("http://old.example/feed");
  fx.poll(f, feed_of({entry("https://example.com/1")}));
  f.url = "https://new.example/feed";
  REQUIRE(fx.store->commit_poll(f, nullptr, at(3)).ok());
  CHECK_FALSE(fx.store->feed_by_url("http://old.example/feed").has_value());
  const auto moved = fx.store->feed_by_url("https://new.example/feed");
  REQUIRE(moved.has_value());
  CHECK(moved->id == f.id);
  const auto entries = fx.store->newest(10, {"https://new.example/feed"});
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].feed_url == "https://new.example/feed");
}

TEST_CASE("moving a feed onto the URL of another feed is an error and changes nothing") {
  StoreFixture fx;
  FeedState a = fx.feed("https://a.example/feed");
  fx.feed("https://b.example/feed");
  a.url = "https://b.example/feed";
  a.etag = "\"changed\"";
  const auto doc = feed_of({entry("https://example.com/1")});
  auto r = fx.store->commit_poll(a, &doc, at(3));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("https://b.example/feed") != std::string::npos);
  CHECK(fx.store->feed_by_url("https://a.example/feed")->etag.empty());
  CHECK(fx.store->newest(10).empty());
}

TEST_CASE("commit_polls records several polls in one go, each with its own result") {
  StoreFixture fx;
  FeedState a = fx.feed("https://a.example/feed");
  FeedState b = fx.feed("https://b.example/feed");
  a.etag = "\"a1\"";
  b.etag = "\"b1\"";
  const auto doc_a = feed_of({entry("https://news.example/shared", "Shared"), entry("https://a.example/1")});
  const auto doc_b = feed_of({entry("https://news.example/shared?utm_medium=b", "Shared"),
                              entry("https://b.example/1"), entry("https://b.example/2")});
  const std::vector<PollRecord> polls{{a, &doc_a, at(2)}, {b, &doc_b, at(2)}};
  const auto results = fx.store->commit_polls(polls);
  REQUIRE(results.size() == 2);
  REQUIRE(results[0].ok());
  REQUIRE(results[1].ok());
  // The article both carry is new once, for the poll that came first in the batch.
  CHECK(results[0]->new_entries.size() == 2);
  CHECK(results[1]->new_entries.size() == 2);
  CHECK(results[1]->duplicates == 1);
  fx.reopen();
  CHECK(fx.store->feed_by_url("https://a.example/feed")->etag == "\"a1\"");
  CHECK(fx.store->feed_by_url("https://b.example/feed")->etag == "\"b1\"");
  CHECK(fx.store->newest(10).size() == 4);
  CHECK(fx.store->newest(10, {"https://b.example/feed"}).size() == 3);
}

TEST_CASE("commit_polls keeps the good polls of a batch when one of them cannot be recorded") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  FeedState ghost{};
  ghost.id = 4242;
  ghost.url = "https://ghost.example/feed";
  const FeedState c = fx.feed("https://c.example/feed");
  const auto doc_a = feed_of({entry("https://a.example/1")});
  const auto doc_ghost = feed_of({entry("https://ghost.example/1")});
  const auto doc_c = feed_of({entry("https://c.example/1")});
  const std::vector<PollRecord> polls{{a, &doc_a, at(2)}, {ghost, &doc_ghost, at(2)}, {c, &doc_c, at(2)}};
  const auto results = fx.store->commit_polls(polls);
  REQUIRE(results.size() == 3);
  REQUIRE(results[0].ok());
  REQUIRE_FALSE(results[1].ok());
  CHECK(results[1].error().message.find("https://ghost.example/feed") != std::string::npos);
  REQUIRE(results[2].ok());
  CHECK(results[0]->new_entries.size() == 1);
  CHECK(results[2]->new_entries.size() == 1);
  // The ghost's entry went nowhere; the others are stored once each.
  const auto all = fx.store->newest(10);
  REQUIRE(all.size() == 2);
  CHECK(std::none_of(all.begin(), all.end(), [](const auto& e) { return e.url.find("ghost") != std::string::npos; }));
}

TEST_CASE("a poll's settle step sees what its entries brought, and its state is the one stored") {
  StoreFixture fx;
  const FeedState a = fx.feed("https://a.example/feed");
  FeedState ghost{};
  ghost.id = 4242;  // no such feed: the batch rolls back, and each poll is recorded alone
  ghost.url = "https://ghost.example/feed";
  fx.poll(a, feed_of({entry("https://a.example/1")}));
  const auto doc_a =
      feed_of({entry("https://a.example/1"), entry("https://a.example/2"), entry("https://a.example/3")});
  const auto doc_ghost = feed_of({entry("https://ghost.example/1")});

  std::vector<std::string> seen;  // what each call of a's settle step was given
  const Settle settle_a = [&](FeedState& state, const IngestResult& ingested) {
    seen.push_back(std::to_string(ingested.new_entries.size()) + " new, " + std::to_string(ingested.duplicates) +
                   " known");
    state.next_due_reason = "settled after " + seen.back();
  };
  const std::vector<PollRecord> polls{{a, &doc_a, at(3), settle_a}, {ghost, &doc_ghost, at(3)}};
  const auto results = fx.store->commit_polls(polls);
  REQUIRE(results.size() == 2);
  REQUIRE(results[0].ok());
  CHECK_FALSE(results[1].ok());
  // Once in the batch that rolled back, once alone: the same answer both times.
  CHECK(seen == std::vector<std::string>{"2 new, 1 known", "2 new, 1 known"});
  CHECK(results[0]->new_entries.size() == 2);
  fx.reopen();
  CHECK(fx.store->feed_by_url("https://a.example/feed")->next_due_reason == "settled after 2 new, 1 known");

  // Without a settle step the state is stored as given.
  FeedState plain = *fx.store->feed_by_url("https://a.example/feed");
  plain.next_due_reason = "as given";
  REQUIRE(fx.store->commit_poll(plain, &doc_a, at(4)).ok());
  CHECK(fx.store->feed_by_url("https://a.example/feed")->next_due_reason == "as given");
}

TEST_CASE("commit_polls of nothing and of one poll") {
  StoreFixture fx;
  CHECK(fx.store->commit_polls({}).empty());
  const FeedState a = fx.feed("https://a.example/feed");
  const auto doc = feed_of({entry("https://a.example/1")});
  const std::vector<PollRecord> one{{a, &doc, at(2)}};
  const auto results = fx.store->commit_polls(one);
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].ok());
  CHECK(results[0]->new_entries.size() == 1);
}

TEST_CASE("ensure_feeds adds many feeds at once and finds the ones already there") {
  StoreFixture fx;
  const FeedState existing = fx.feed("https://b.example/feed");
  const auto got = fx.store->ensure_feeds({"https://a.example/feed", "https://b.example/feed", "https://c.example/feed"});
  REQUIRE(got.size() == 3);
  for (const auto& r : got) REQUIRE(r.ok());
  CHECK(got[0]->url == "https://a.example/feed");
  CHECK(got[1]->id == existing.id);
  CHECK(got[2]->url == "https://c.example/feed");
  CHECK(got[0]->id != got[2]->id);
  fx.reopen();
  CHECK(fx.store->feeds().size() == 3);
  CHECK(fx.store->feed_by_url("https://c.example/feed")->id == got[2]->id);
}

TEST_CASE("ensure_feeds hands out each feed's state exactly as the database holds it") {
  StoreFixture fx;
  FeedState polled = fx.feed("https://b.example/feed");
  polled.title = "B";
  polled.etag = "\"v7\"";
  polled.last_modified = "Thu, 27 Feb 2025 15:04:00 GMT";
  polled.last_status = 200;
  polled.consecutive_errors = 2;
  polled.last_poll = at(3);
  polled.next_due = at(4);
  polled.next_due_reason = "ttl";
  polled.schedule_memory = "{}";
  REQUIRE(fx.store->commit_poll(polled, nullptr, at(3)).ok());

  // New feeds, a known one, and a URL named twice.
  const std::vector<std::string> urls{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed",
                                      "https://a.example/feed"};
  const auto got = fx.store->ensure_feeds(urls);
  REQUIRE(got.size() == urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    CAPTURE(i);
    REQUIRE(got[i].ok());
    const auto stored = fx.store->feed_by_url(urls[i]);
    REQUIRE(stored.has_value());
    const FeedState& f = *got[i];
    CHECK(f.id == stored->id);
    CHECK(f.url == stored->url);
    CHECK(f.title == stored->title);
    CHECK(f.site_link == stored->site_link);
    CHECK(f.etag == stored->etag);
    CHECK(f.last_modified == stored->last_modified);
    CHECK(f.last_status == stored->last_status);
    CHECK(f.last_error == stored->last_error);
    CHECK(f.consecutive_errors == stored->consecutive_errors);
    CHECK(f.last_poll == stored->last_poll);
    CHECK(f.last_success == stored->last_success);
    CHECK(f.next_due == stored->next_due);
    CHECK(f.next_due_reason == stored->next_due_reason);
    CHECK(f.disabled_reason == stored->disabled_reason);
    CHECK(f.poll_url == stored->poll_url);
    CHECK(f.schedule_memory == stored->schedule_memory);
  }
  CHECK(got[1]->etag == "\"v7\"");
  CHECK(got[0]->id == got[3]->id);
  CHECK(fx.store->feeds().size() == 3);
}

TEST_CASE("newest for some feeds finds their entries below many newer ones of other feeds") {
  StoreFixture fx;
  StoreOptions no_cap;
  no_cap.max_entries_per_feed = 0;  // the flood is stored whole
  fx.reopen(no_cap);
  const FeedState quiet = fx.feed("https://quiet.example/feed");
  const FeedState busy = fx.feed("https://busy.example/feed");
  fx.poll(quiet, feed_of({entry("https://quiet.example/1", "Q1"), entry("https://quiet.example/2", "Q2")}), at(1));
  feed::Feed flood;
  for (int i = 0; i < 3000; ++i) flood.entries.push_back(entry("https://busy.example/" + std::to_string(i)));
  fx.poll(busy, flood, at(2));
  // The busy feed also carries one of the quiet feed's articles, later.
  fx.poll(busy, feed_of({entry("https://quiet.example/1", "Q1")}), at(3));

  const auto q = fx.store->newest(10, {"https://quiet.example/feed"});
  REQUIRE(q.size() == 2);
  CHECK(q[0].feed_url == "https://quiet.example/feed");
  const auto b = fx.store->newest(5000, {"https://busy.example/feed"});
  CHECK(b.size() == 3001);
  CHECK(std::any_of(b.begin(), b.end(), [](const auto& e) { return e.title == "Q1"; }));
  CHECK(fx.store->newest(5000).size() == 3002);
}

TEST_CASE("checkpoint() copies what the WAL holds into the database file") {
  StoreFixture fx;
  const auto f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1"), entry("https://example.com/2")}));

  // The entries the database file holds by itself, as a copy of it without its WAL shows
  // them; -1 when not even the table is there yet.
  const auto in_file_alone = [&] {
    const auto copy = fx.dir / "alone.db";
    std::filesystem::remove(copy);
    std::filesystem::copy_file(fx.db_path, copy);
    sql::Db db(copy, SQLITE_OPEN_READWRITE);
    if (db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'entries'") == 0) return std::int64_t{-1};
    return db.query_int("SELECT count(*) FROM entries");
  };
  CHECK(in_file_alone() < 2);  // the store leaves its writes in the WAL

  auto copied = fx.store->checkpoint();
  REQUIRE_MESSAGE(copied.ok(), (copied.ok() ? "" : copied.error().message));
  CHECK(*copied > 0);
  CHECK(in_file_alone() == 2);

  // The store goes on writing after it, and reads what it wrote.
  fx.poll(f, feed_of({entry("https://example.com/3")}), at(3));
  CHECK(fx.store->newest(10).size() == 3);
}

namespace {

// `count` new entries of 10 kB each, their links unique to `round`: WAL pages to fill.
feed::Feed bulky_entries(int round, int count) {
  feed::Feed doc;
  for (int i = 0; i < count; ++i) {
    auto e = entry("https://example.com/" + std::to_string(round) + "/" + std::to_string(i));
    e.content = std::string(10'000, static_cast<char>('a' + (i % 26)));
    doc.entries.push_back(e);
  }
  return doc;
}

}  // namespace

TEST_CASE("once a checkpoint copied the WAL, the next commit cuts its file back to wal_size_limit") {
  StoreFixture fx;
  StoreOptions options;
  options.wal_size_limit = 256 * 1024;
  fx.reopen(options);
  const auto f = fx.feed("https://example.com/feed");
  const auto wal_size = [&] { return std::filesystem::file_size(fx.db_path.string() + "-wal"); };
  // About 2 MB of entries in a few commits: the WAL grows past the limit.
  for (int round = 0; round < 4; ++round) fx.poll(f, bulky_entries(round, 50), at(2 + round));
  const auto grown = wal_size();
  CHECK(grown > 1'000'000);

  auto copied = fx.store->checkpoint();
  REQUIRE(copied.ok());
  CHECK(wal_size() == grown);  // a checkpoint copies, it does not cut
  fx.poll(f, feed_of({entry("https://example.com/after")}), at(9));
  CHECK(wal_size() <= 256 * 1024);
  CHECK(fx.store->newest(1000).size() == 201);
}

TEST_CASE("a commit that leaves wal_autocheckpoint_pages in the WAL copies it into the database file") {
  // The same commits, about 2 MB, with a threshold of 16 pages (256 KiB) and with one
  // above all they write: only the first keeps its WAL near the threshold.
  const auto wal_after_commits = [](int threshold) {
    StoreFixture fx;
    StoreOptions options;
    options.wal_autocheckpoint_pages = threshold;
    fx.reopen(options);
    const auto f = fx.feed("https://example.com/feed");
    for (int round = 0; round < 8; ++round) fx.poll(f, bulky_entries(round, 25), at(2 + round));
    CHECK(fx.store->newest(1000).size() == 200);
    return std::filesystem::file_size(fx.db_path.string() + "-wal");
  };
  const auto checkpointed = wal_after_commits(16);
  const auto uncopied = wal_after_commits(10'000);
  CHECK(uncopied > 2'000'000);
  // The threshold plus the commit that crossed it (about 250 kB of entries).
  CHECK(checkpointed < 700'000);
}

TEST_CASE("newest stays exact after a reopened store keeps what the database worked out") {
  StoreFixture fx;
  const auto f = fx.feed("https://example.com/feed");
  // Published out of order, all first seen in one second: the window proves nothing.
  feed::Feed doc;
  for (int i = 0; i < 300; ++i) {
    auto e = entry("https://example.com/a" + std::to_string(i));
    e.published = at(1 + (i * 7) % 20, i % 24);
    doc.entries.push_back(e);
  }
  fx.poll(f, doc, at(25));
  fx.reopen();  // entries already there: nothing kept in memory

  // The truth, straight from the table.
  const auto expected = [&](std::size_t n) {
    sql::Db db(fx.db_path, SQLITE_OPEN_READONLY);
    sql::Stmt q(db, "SELECT id FROM entries ORDER BY published DESC, id DESC LIMIT ?1");
    q.bind(1, static_cast<std::int64_t>(n));
    std::vector<std::int64_t> ids;
    while (q.step()) ids.push_back(q.integer(0));
    return ids;
  };
  const auto ids_of = [](const std::vector<StoredEntry>& entries) {
    std::vector<std::int64_t> ids;
    for (const auto& e : entries) ids.push_back(e.id);
    return ids;
  };
  CHECK(ids_of(fx.store->newest(50)) == expected(50));
  CHECK(ids_of(fx.store->newest(50)) == expected(50));

  // New entries: some among the newest, some older than all of them.
  feed::Feed more;
  for (int i = 0; i < 40; ++i) {
    auto e = entry("https://example.com/b" + std::to_string(i));
    e.published = i % 2 == 0 ? at(22, i % 24) : at(1, 0);
    more.entries.push_back(e);
  }
  fx.poll(f, more, at(26));
  CHECK(ids_of(fx.store->newest(50)) == expected(50));
  CHECK(ids_of(fx.store->newest(80)) == expected(80));  // more than was kept
  CHECK(ids_of(fx.store->newest(50)) == expected(50));

  // Retention takes the first round's entries, many of the newest among them: still exact.
  StoreOptions one_day;
  one_day.retention_days = 1;
  fx.reopen(one_day);
  CHECK(ids_of(fx.store->newest(50)) == expected(50));
  auto pruned = fx.store->prune(at(27));
  REQUIRE(pruned.ok());
  CHECK(pruned->entries == 300);
  CHECK(ids_of(fx.store->newest(50)) == expected(50));
  CHECK(fx.store->newest(50).size() == 40);
}
