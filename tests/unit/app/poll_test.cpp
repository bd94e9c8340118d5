#include <doctest/doctest.h>

#include "app/poll.hpp"

using feedd::app::interpret;
using feedd::fetch::Outcome;
using feedd::fetch::Response;
using feedd::store::FeedState;

namespace {

const feedd::Instant kNow{std::chrono::seconds{1740668640}};

FeedState known_feed() {
  FeedState s;
  s.id = 7;
  s.url = "https://example.org/rss";
  s.etag = "\"v1\"";
  s.last_modified = "Thu, 27 Feb 2025 10:00:00 GMT";
  s.consecutive_errors = 2;
  s.last_error = "HTTP status 500";
  return s;
}

Response http(long status, std::string body = {}) {
  Response r;
  r.outcome = Outcome::ok;
  r.status = status;
  r.body = std::move(body);
  r.effective_url = "https://example.org/rss";
  return r;
}

}  // namespace

TEST_CASE("a 304 keeps both stored validators, parses nothing and clears the error count") {
  auto out = interpret(known_feed(), http(304), kNow);
  CHECK_FALSE(out.failed);
  CHECK_FALSE(out.parsed.has_value());
  CHECK(out.state.etag == "\"v1\"");
  CHECK(out.state.last_modified == "Thu, 27 Feb 2025 10:00:00 GMT");
  CHECK(out.state.consecutive_errors == 0);
  CHECK(out.state.last_error.empty());
  CHECK(out.state.last_success == kNow);
}

TEST_CASE("a 304 that carries a new ETag replaces the stored one") {
  auto response = http(304);
  response.etag = "\"v2\"";
  auto out = interpret(known_feed(), response, kNow);
  CHECK(out.state.etag == "\"v2\"");
  CHECK(out.state.last_modified == "Thu, 27 Feb 2025 10:00:00 GMT");
}

TEST_CASE("a 200 with a feed takes the new validators and the feed's title") {
  auto response = http(200, "<rss version=\"2.0\"><channel><title>T</title><link>https://example.org/</link>"
                            "<item><title>A</title><link>https://example.org/a</link></item></channel></rss>");
  response.etag = "\"v3\"";
  auto out = interpret(known_feed(), response, kNow);
  CHECK_FALSE(out.failed);
  REQUIRE(out.parsed.has_value());
  CHECK(out.parsed->entries.size() == 1);
  CHECK(out.state.etag == "\"v3\"");
  CHECK(out.state.last_modified.empty());
  CHECK(out.state.title == "T");
  CHECK(out.state.site_link == "https://example.org/");
}

TEST_CASE("a 200 whose body is not a feed is an error that keeps the validators") {
  auto out = interpret(known_feed(), http(200, "<html><body>hello</body></html>"), kNow);
  CHECK(out.failed);
  CHECK(out.state.consecutive_errors == 3);
  CHECK(out.state.last_error.find("not a feed") != std::string::npos);
  CHECK(out.state.etag == "\"v1\"");
}

TEST_CASE("a 410 disables the feed with the reason") {
  auto out = interpret(known_feed(), http(410), kNow);
  CHECK(out.failed);
  CHECK(out.state.disabled_reason.find("410 Gone") != std::string::npos);
}

TEST_CASE("a server error and a transport error count as consecutive errors") {
  auto server_error = interpret(known_feed(), http(503), kNow);
  CHECK(server_error.failed);
  CHECK(server_error.state.consecutive_errors == 3);
  CHECK(server_error.state.last_error == "HTTP status 503");
  Response refused;
  refused.outcome = Outcome::transport;
  refused.error = "connection refused";
  auto transport = interpret(known_feed(), refused, kNow);
  CHECK(transport.state.last_error == "connection refused");
  CHECK(transport.state.last_status == 0);
  CHECK(transport.state.last_poll == kNow);
}

namespace {

using namespace std::chrono_literals;
using feedd::app::PollMemory;
using feedd::app::PollSettings;

PollSettings exact_settings() {
  PollSettings s;
  s.policy.interval = 1800s;
  s.policy.min_interval = 300s;
  s.policy.max_interval = 86400s;
  s.policy.jitter = 0.0;
  return s;
}

FeedState healthy_feed() {
  FeedState s;
  s.id = 7;
  s.url = "https://example.org/rss";
  return s;
}

std::string rss_with(const std::string& channel_extra, const std::vector<std::string>& dates) {
  std::string body = "<rss version=\"2.0\"><channel><title>T</title>" + channel_extra;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    body += "<item><title>E" + std::to_string(i) + "</title><link>https://example.org/" + std::to_string(i) +
            "</link><pubDate>" + dates[i] + "</pubDate></item>";
  }
  return body + "</channel></rss>";
}

// What the store found of a document: `fresh` entries new, `known` seen before.
feedd::store::IngestResult ingested(std::size_t fresh, std::size_t known = 0) {
  feedd::store::IngestResult r;
  for (std::size_t i = 0; i < fresh; ++i) r.new_entries.push_back(static_cast<std::int64_t>(100 + i));
  r.duplicates = known;
  return r;
}

feedd::app::PollOutcome settled(feedd::app::PollOutcome out, std::size_t fresh, std::size_t known = 0) {
  feedd::app::settle(out, ingested(fresh, known));
  return out;
}

Response redirected(std::vector<std::pair<long, std::string>> chain, long status = 304) {
  Response r = http(status);
  r.redirects = std::move(chain);
  r.effective_url = r.redirects.back().second;
  return r;
}

}  // namespace

TEST_CASE("a poll sets the next due time and its reason") {
  auto out = interpret(healthy_feed(), http(304), kNow, exact_settings());
  CHECK(out.state.next_due == kNow + 1800s);
  CHECK(out.state.next_due_reason == "interval 30m");
  auto failed = interpret(known_feed(), http(500), kNow, exact_settings());
  CHECK(failed.state.next_due == kNow + 1800s * 8);
  CHECK(failed.state.next_due_reason == "backoff (3 errors)");
}

TEST_CASE("a 301/308 chain moves the polled URL after the configured number of polls, and the identity stays") {
  const auto chain = std::vector<std::pair<long, std::string>>{{301, "https://example.org/mid"},
                                                               {308, "https://example.net/rss"}};
  auto settings = exact_settings();
  auto first = interpret(healthy_feed(), redirected(chain), kNow, settings);
  CHECK(first.state.poll_url.empty());
  CHECK(first.notice.empty());
  auto second = interpret(first.state, redirected(chain), kNow + 1800s, settings);
  CHECK(second.state.poll_url == "https://example.net/rss");
  CHECK(second.state.url == "https://example.org/rss");
  CHECK(feedd::app::poll_url(second.state) == "https://example.net/rss");
  CHECK(second.notice.find("moved permanently: polling https://example.net/rss") != std::string::npos);
  // Polled directly there now: no redirect, nothing changes.
  auto third = interpret(second.state, http(304), kNow + 3600s, settings);
  CHECK(third.state.poll_url == "https://example.net/rss");
  CHECK(third.notice.empty());

  settings.permanent_redirect_polls = 3;
  auto a = interpret(healthy_feed(), redirected(chain), kNow, settings);
  auto b = interpret(a.state, redirected(chain), kNow, settings);
  CHECK(b.state.poll_url.empty());
  CHECK(interpret(b.state, redirected(chain), kNow, settings).state.poll_url == "https://example.net/rss");
}

TEST_CASE("a 302, 303 or 307 anywhere in the chain never moves the URL and restarts the count") {
  const auto permanent = std::vector<std::pair<long, std::string>>{{301, "https://example.net/rss"}};
  for (long temporary : {302L, 303L, 307L}) {
    CAPTURE(temporary);
    const auto mixed = std::vector<std::pair<long, std::string>>{{301, "https://example.org/mid"},
                                                                 {temporary, "https://example.net/rss"}};
    FeedState s = healthy_feed();
    for (int i = 0; i < 5; ++i) s = interpret(s, redirected(mixed), kNow, exact_settings()).state;
    CHECK(s.poll_url.empty());
    s = interpret(s, redirected(permanent), kNow, exact_settings()).state;
    s = interpret(s, redirected(mixed), kNow, exact_settings()).state;
    s = interpret(s, redirected(permanent), kNow, exact_settings()).state;
    CHECK(s.poll_url.empty());  // not two in a row
  }
}

TEST_CASE("a permanent redirect whose target fails does not count") {
  const auto chain = std::vector<std::pair<long, std::string>>{{301, "https://example.net/rss"}};
  FeedState s = healthy_feed();
  s = interpret(s, redirected(chain, 404), kNow, exact_settings()).state;
  s = interpret(s, redirected(chain, 404), kNow, exact_settings()).state;
  CHECK(s.poll_url.empty());
}

TEST_CASE("a 429 or 503 with Retry-After waits that long, counts as an error and holds the host") {
  auto response = http(429);
  response.retry_after = "120";
  auto out = interpret(healthy_feed(), response, kNow, exact_settings());
  CHECK(out.failed);
  CHECK(out.state.consecutive_errors == 1);
  CHECK(out.state.last_error == "HTTP status 429 (Retry-After 120s)");
  CHECK(out.state.next_due == kNow + 300s);  // the floor still holds
  CHECK(out.state.next_due_reason == "Retry-After 120s, raised to the floor 5m");
  CHECK(out.host_retry_after == 120s);

  auto unavailable = http(503);
  unavailable.retry_after = feedd::format_rfc1123(kNow + 2h);
  auto later = interpret(known_feed(), unavailable, kNow, exact_settings());
  CHECK(later.state.next_due == kNow + 2h);  // not the 8x backoff of a third error
  CHECK(later.state.next_due_reason == "Retry-After 7200s");
  CHECK(later.host_retry_after == 2h);

  auto without = interpret(known_feed(), http(503), kNow, exact_settings());
  CHECK_FALSE(without.host_retry_after.has_value());
  CHECK(without.state.next_due_reason == "backoff (3 errors)");
}

TEST_CASE("a Retry-After's hold on the host is remembered with the feed until its next poll") {
  using feedd::app::host_hold;
  auto response = http(429);
  response.retry_after = "3600";
  const auto held = interpret(healthy_feed(), response, kNow, exact_settings());
  CHECK(host_hold(held.state, kNow) == kNow + 1h);
  CHECK(host_hold(held.state, kNow + 59min) == kNow + 1h);
  CHECK_FALSE(host_hold(held.state, kNow + 1h).has_value());  // over
  // The next poll, whatever it brings, ends it (a new Retry-After sets a new one).
  const auto next = interpret(held.state, http(304), kNow + 2h, exact_settings());
  CHECK_FALSE(host_hold(next.state, kNow + 2h).has_value());
  CHECK_FALSE(host_hold(healthy_feed(), kNow).has_value());
}

TEST_CASE("a feed failing for the configured number of days is disabled, with the reason") {
  auto settings = exact_settings();
  settings.disable_after_days = 30;
  Response refused;
  refused.outcome = Outcome::transport;
  refused.error = "connection refused";
  auto first = interpret(healthy_feed(), refused, kNow, settings);
  CHECK(first.state.disabled_reason.empty());
  auto day29 = interpret(first.state, refused, kNow + 29 * 24h, settings);
  CHECK(day29.state.disabled_reason.empty());
  auto day30 = interpret(day29.state, refused, kNow + 30 * 24h, settings);
  CHECK(day30.state.disabled_reason.find("failing for 30 days (since 2025-02-27T15:04:00Z): connection refused") == 0);
  CHECK_FALSE(day30.state.next_due.has_value());
  CHECK(day30.notice.find("disabled") == 0);

  // A success in between starts the count again; 0 days means never.
  auto ok = interpret(day29.state, http(304), kNow + 29 * 24h, settings);
  CHECK(interpret(ok.state, refused, kNow + 30 * 24h, settings).state.disabled_reason.empty());
  settings.disable_after_days = 0;
  CHECK(interpret(day29.state, refused, kNow + 300 * 24h, settings).state.disabled_reason.empty());
}

TEST_CASE("the feed's ttl and skipHours are remembered across 304s") {
  auto settings = exact_settings();
  auto parsed = settled(interpret(healthy_feed(), http(200, rss_with("<ttl>120</ttl>", {})), kNow, settings), 0);
  CHECK(parsed.state.next_due_reason == "ttl 2h");
  auto not_modified = interpret(parsed.state, http(304), kNow + 2h, settings);
  CHECK(not_modified.state.next_due == kNow + 4h);
  CHECK(not_modified.state.next_due_reason == "ttl 2h");
}

TEST_CASE("Cache-Control max-age of a response lengthens the wait") {
  auto response = http(304);
  response.cache_control = "max-age=3600";
  auto out = interpret(healthy_feed(), response, kNow, exact_settings());
  CHECK(out.state.next_due == kNow + 3600s);
  CHECK(out.state.next_due_reason == "Cache-Control/Expires 1h");
}

TEST_CASE("a parsed document waits for the store's count, and settling twice gives the same state") {
  auto settings = exact_settings();
  auto out = interpret(healthy_feed(), http(200, rss_with("", {"Thu, 27 Feb 2025 14:00:00 GMT"})), kNow, settings);
  REQUIRE(out.unsettled.has_value());
  CHECK_FALSE(out.state.next_due.has_value());
  feedd::app::settle(out, ingested(1));
  CHECK(out.state.next_due == kNow + 1800s);
  CHECK(out.state.next_due_reason == "interval 30m");
  const std::string memory = out.state.schedule_memory;
  CHECK(PollMemory::decode(memory).history.last_new == kNow);
  feedd::app::settle(out, ingested(1));
  CHECK(out.state.schedule_memory == memory);
  CHECK(out.state.next_due == kNow + 1800s);

  // A 304 or an error needs nothing from the store.
  auto not_modified = interpret(out.state, http(304), kNow + 30min, settings);
  CHECK_FALSE(not_modified.unsettled.has_value());
  CHECK(not_modified.state.next_due == kNow + 1h);
}

// A document of two entries dated `hours` after 27 Feb 2025 12:00 UTC and an hour before.
Response two_entries_at(int hours) {
  using namespace std::chrono;
  const feedd::Instant at = sys_days{year{2025} / 2 / 27} + std::chrono::hours{12 + hours};
  return http(200, rss_with("", {feedd::format_rfc1123(at), feedd::format_rfc1123(at - 1h)}));
}

TEST_CASE("new entries are new by key and by date: a busy feed speeds up, a quiet one slows down") {
  auto settings = exact_settings();
  FeedState s =
      settled(interpret(healthy_feed(), http(200, rss_with("", {"Thu, 27 Feb 2025 14:00:00 GMT"})), kNow, settings), 1)
          .state;
  // 30 minutes later three new entries: one every 10 minutes.
  auto busy = settled(interpret(s, http(200, rss_with("", {"Thu, 27 Feb 2025 15:20:00 GMT", "Thu, 27 Feb 2025 15:10:00 GMT",
                                                           "Thu, 27 Feb 2025 15:05:00 GMT", "Thu, 27 Feb 2025 14:00:00 GMT"})),
                                kNow + 30min, settings),
                      3, 1);
  CHECK(busy.state.next_due_reason == "adaptive 10m (new entries every ~10m)");
  CHECK(PollMemory::decode(busy.state.schedule_memory).history.entry_gap == 10min);

  // The same entries again, dated later (a feed that dates its entries with the time of
  // the request): the store found nothing new, so nothing is.
  FeedState quiet = busy.state;
  for (int i = 0; i < 3; ++i) {
    const auto redated = http(200, rss_with("", {"Thu, 27 Feb 2025 1" + std::to_string(6 + i) + ":00:00 GMT"}));
    auto out = settled(interpret(quiet, redated, kNow + 1h * (i + 1), settings), 0, 4);
    CHECK(out.unseen_notice.empty());
    quiet = out.state;
  }
  CHECK(quiet.next_due_reason == "adaptive 1h (no new entries in 3 polls)");
}

TEST_CASE("entries new by key but not by date are links that changed: not counted, and said once") {
  auto settings = exact_settings();
  FeedState s = settled(interpret(healthy_feed(), two_entries_at(0), kNow, settings), 2).state;
  // The same two entries, the same dates, new links (a session id): new to the store.
  auto changed = settled(interpret(s, two_entries_at(0), kNow + 30min, settings), 2);
  CHECK_FALSE(changed.gap);
  CHECK(changed.unseen_notice.find("links_changed=2 \"none of the document's 2 entries was found under its link") == 0);
  CHECK(PollMemory::decode(changed.state.schedule_memory).history.polls_without_new == 1);
  CHECK(changed.state.next_due_reason == "interval 30m");
  auto again = settled(interpret(changed.state, two_entries_at(0), kNow + 1h, settings), 2);
  CHECK(again.unseen_notice.empty());
  CHECK(PollMemory::decode(again.state.schedule_memory).history.polls_without_new == 2);
}

TEST_CASE("a document that holds no entry seen before says there may be a gap, once per run") {
  auto settings = exact_settings();
  // The first document of a feed is all new, and no gap.
  auto first = settled(interpret(healthy_feed(), two_entries_at(0), kNow, settings), 2);
  CHECK(first.unseen_notice.empty());
  // Some new, some known: no gap.
  auto overlap = settled(interpret(first.state, two_entries_at(1), kNow + 30min, settings), 1, 1);
  CHECK_FALSE(overlap.gap);
  CHECK(overlap.unseen_notice.empty());
  // Every entry new, and newer: the feed may have posted more than its document holds.
  auto gap = settled(interpret(overlap.state, two_entries_at(5), kNow + 1h, settings), 2);
  CHECK(gap.gap);
  CHECK(gap.unseen_notice.find("gap=2 since=2025-02-27T15:34:00Z \"none of the document's 2 entries") == 0);
  CHECK(gap.unseen_notice.find("unless") == std::string::npos);  // dated: not links that changed
  CHECK(PollMemory::decode(gap.state.schedule_memory).unseen_polls == 1);
  // They count as new entries for the schedule.
  CHECK(PollMemory::decode(gap.state.schedule_memory).history.polls_without_new == 0);
  // Again on the next poll: said once per run.
  auto again = settled(interpret(gap.state, two_entries_at(9), kNow + 90min, settings), 2);
  CHECK(again.gap);
  CHECK(again.unseen_notice.empty());
  CHECK(PollMemory::decode(again.state.schedule_memory).unseen_polls == 2);
  // A poll that meets a known entry ends the run; the next gap is said again.
  auto ends = settled(interpret(again.state, two_entries_at(9), kNow + 2h, settings), 0, 2);
  CHECK(PollMemory::decode(ends.state.schedule_memory).unseen_polls == 0);
  CHECK_FALSE(settled(interpret(ends.state, two_entries_at(13), kNow + 3h, settings), 2).unseen_notice.empty());

  // A one-entry document, and a document past the store's cap, say nothing either way.
  CHECK(settled(interpret(ends.state, two_entries_at(13), kNow + 3h, settings), 1).unseen_notice.empty());
  auto capped = interpret(ends.state, two_entries_at(13), kNow + 3h, settings);
  auto past_cap = ingested(2);
  past_cap.beyond_cap = 3;
  feedd::app::settle(capped, past_cap);
  CHECK_FALSE(capped.gap);
  CHECK(capped.unseen_notice.empty());

  // Without dates only the keys can tell, and the notice says what else it may be.
  const auto undated = http(200, "<rss version=\"2.0\"><channel><title>T</title><item><link>https://example.org/x</link>"
                                 "</item><item><link>https://example.org/y</link></item></channel></rss>");
  auto blind = settled(interpret(ends.state, undated, kNow + 3h, settings), 2);
  CHECK(blind.gap);
  CHECK(blind.unseen_notice.find(", unless its links change from poll to poll\"") != std::string::npos);
}

TEST_CASE("the poll memory survives encoding, and an unreadable one reads as empty") {
  PollMemory m;
  m.history.polls_without_new = 4;
  m.history.last_new = kNow;
  m.history.entry_gap = 600s;
  m.history.hints.ttl_minutes = 60;
  m.history.hints.skip_hours = {0, 1, 2};
  m.history.hints.skip_days = {"Sunday"};
  m.history.hints.update_period = "hourly";
  m.history.hints.update_frequency = 2;
  m.newest_entry = kNow - 1h;
  m.unseen_polls = 2;
  m.redirect_target = "https://example.net/rss";
  m.redirect_polls = 1;
  m.failing_since = kNow - 24h;
  m.host_hold_until = kNow + 1h;
  const auto back = PollMemory::decode(m.encode());
  CHECK(back.encode() == m.encode());
  CHECK(back.history.hints.skip_hours == std::vector<int>{0, 1, 2});
  CHECK(back.unseen_polls == 2);
  CHECK(back.newest_entry == kNow - 1h);
  CHECK(back.failing_since == kNow - 24h);
  CHECK(back.host_hold_until == kNow + 1h);
  CHECK(PollMemory{}.encode().empty());
  CHECK(PollMemory::decode("{not json").encode().empty());
  CHECK(PollMemory::decode("{\"polls_without_new\": \"many\", \"ttl\": 5}").history.hints.ttl_minutes == 5);
  // What earlier versions remembered, and no longer needed, is read past.
  CHECK(PollMemory::decode("{\"undated_hash\": 5, \"ttl\": 5}").encode() == "{\"ttl\":5}");
}

TEST_CASE("a document past the parser's entry cap says so once, and every poll's summary counts what was left") {
  std::string body = "<rss version=\"2.0\"><channel><title>T</title>";
  for (int i = 0; i < 10'005; ++i) body += "<item><link>https://example.org/" + std::to_string(i) + "</link></item>";
  body += "</channel></rss>";
  auto first = settled(interpret(known_feed(), http(200, body), kNow), 0);
  REQUIRE(first.parsed.has_value());
  CHECK(first.parsed->entries.size() == 10'000);
  CHECK(first.notice.find("entries_unread=5 ") == 0);
  CHECK(first.summary.find(" unread=5") != std::string::npos);

  auto second = settled(interpret(first.state, http(200, body), kNow + std::chrono::hours(1)), 0);
  CHECK(second.notice.empty());  // already said
  CHECK(second.summary.find(" unread=5") != std::string::npos);

  // A document back under the cap, then over it again: said again.
  auto small = settled(interpret(second.state, http(200, "<rss version=\"2.0\"><channel><title>T</title></channel></rss>"),
                                 kNow + std::chrono::hours(2)),
                       0);
  CHECK(small.summary.find("unread") == std::string::npos);
  auto big_again = settled(interpret(small.state, http(200, body), kNow + std::chrono::hours(3)), 0);
  CHECK(big_again.notice.find("entries_unread=5 ") == 0);

  // A feed may keep more (store.max_entries_per_feed): the daemon then reads that many.
  feedd::app::PollSettings keeps_more;
  keeps_more.max_entries = 20'000;
  auto whole = interpret(known_feed(), http(200, body), kNow, keeps_more);
  REQUIRE(whole.parsed.has_value());
  CHECK(whole.parsed->entries.size() == 10'005);
  CHECK(whole.notice.empty());
}
