#include <doctest/doctest.h>

#include <set>

#include "schedule/schedule.hpp"

using namespace std::chrono_literals;
using feedd::Instant;
using feedd::schedule::decide;
using feedd::schedule::DueQueue;
using feedd::schedule::History;
using feedd::schedule::Poll;
using feedd::schedule::Policy;

namespace {

// Thursday 2025-02-27 15:00:00 UTC.
const Instant kNow = std::chrono::sys_days{std::chrono::year{2025} / 2 / 27} + 15h;

// Without jitter, so waits are exact.
Policy exact(std::chrono::seconds interval = 1800s) {
  Policy p;
  p.interval = interval;
  p.min_interval = 300s;
  p.max_interval = 86400s;
  p.jitter = 0.0;
  return p;
}

Poll ok(Instant now = kNow) {
  Poll p;
  p.now = now;
  return p;
}

Poll failed(int errors) {
  Poll p = ok();
  p.success = false;
  p.consecutive_errors = errors;
  return p;
}

Poll throttled(std::chrono::seconds retry_after, int errors = 1) {
  Poll p = failed(errors);
  p.retry_after = retry_after;
  return p;
}

}  // namespace

TEST_CASE("a healthy feed is polled again after its interval") {
  auto d = decide(exact(), ok(), {}, 1);
  CHECK(d.due == kNow + 1800s);
  CHECK(d.reason == "interval 30m");
}

TEST_CASE("an interval below the floor or above the ceiling is clamped, and the reason says so") {
  auto low = decide(exact(10s), ok(), {}, 1);
  CHECK(low.due == kNow + 300s);
  CHECK(low.reason == "interval 10s, raised to the floor 5m");
  auto high = decide(exact(100000s), ok(), {}, 1);
  CHECK(high.due == kNow + 86400s);
  CHECK(high.reason == "interval 1d3h46m40s, capped at the ceiling 1d");
}

TEST_CASE("errors back off exponentially up to the ceiling and reset on success") {
  Policy p = exact(600s);
  p.max_interval = 7200s;
  CHECK(decide(p, failed(1), {}, 1).due == kNow + 1200s);
  CHECK(decide(p, failed(2), {}, 1).due == kNow + 2400s);
  CHECK(decide(p, failed(3), {}, 1).due == kNow + 4800s);
  CHECK(decide(p, failed(4), {}, 1).due == kNow + 7200s);
  CHECK(decide(p, failed(60), {}, 1).due == kNow + 7200s);
  CHECK(decide(p, failed(2), {}, 1).reason == "backoff (2 errors)");
  CHECK(decide(p, failed(1), {}, 1).reason == "backoff (1 error)");
  CHECK(decide(p, ok(), {}, 1).due == kNow + 600s);
}

TEST_CASE("an RSS ttl longer than the interval lengthens the wait, a shorter one does not") {
  History h;
  h.hints.ttl_minutes = 60;
  auto d = decide(exact(), ok(), h, 1);
  CHECK(d.due == kNow + 3600s);
  CHECK(d.reason == "ttl 1h");
  h.hints.ttl_minutes = 10;
  CHECK(decide(exact(), ok(), h, 1).reason == "interval 30m");
}

TEST_CASE("a ttl beyond the ceiling is capped at the ceiling") {
  History h;
  h.hints.ttl_minutes = 7 * 24 * 60;
  auto d = decide(exact(), ok(), h, 1);
  CHECK(d.due == kNow + 86400s);
  CHECK(d.reason == "ttl 7d, capped at the ceiling 1d");
}

TEST_CASE("sy:updatePeriod and updateFrequency give an interval") {
  History h;
  h.hints.update_period = "hourly";
  h.hints.update_frequency = 1;
  CHECK(decide(exact(600s), ok(), h, 1).reason == "sy:updatePeriod 1h");
  h.hints.update_period = "daily";
  h.hints.update_frequency = 4;
  CHECK(decide(exact(600s), ok(), h, 1).due == kNow + 6h);
  CHECK(feedd::schedule::syndication_interval({}) == std::nullopt);
  feedd::feed::Hints odd;
  odd.update_period = "fortnightly";
  CHECK(feedd::schedule::syndication_interval(odd) == std::nullopt);
}

TEST_CASE("skipHours move the poll to the first hour that is not skipped (UTC)") {
  History h;
  h.hints.skip_hours = {15, 16, 17, 18};  // kNow is 15:00 UTC; 15:30 falls inside
  auto d = decide(exact(), ok(), h, 1);
  CHECK(d.due == kNow + 4h);  // 19:00
  CHECK(d.reason == "skipHours 15-18 (interval 30m)");
}

TEST_CASE("skipDays move the poll to the next day that is not skipped") {
  History h;
  h.hints.skip_days = {"Thursday", "friday"};
  Policy p = exact();
  p.max_interval = 48h;
  auto d = decide(p, ok(), h, 1);
  CHECK(d.due == std::chrono::sys_days{std::chrono::year{2025} / 3 / 1});  // Saturday 00:00
  CHECK(d.reason == "skipDays Thursday,friday (interval 30m)");
}

TEST_CASE("skip hints never push a poll beyond the ceiling and are ignored when they skip every hour") {
  History h;
  for (int i = 0; i < 24; ++i) h.hints.skip_hours.push_back(i);
  CHECK(decide(exact(), ok(), h, 1).due == kNow + 1800s);
  History days;
  days.hints.skip_days = {"Thursday", "Friday"};
  Policy p = exact();
  p.max_interval = 4h;  // Saturday is 9 h away
  CHECK(decide(p, ok(), days, 1).due == kNow + 1800s);
}

TEST_CASE("Cache-Control max-age and Expires lengthen the wait like a hint") {
  CHECK(feedd::schedule::freshness("public, max-age=7200", "", "", kNow) == 7200s);
  CHECK(feedd::schedule::freshness("max-age=\"60\"", "", "", kNow) == 60s);
  CHECK(feedd::schedule::freshness("no-cache, max-age=7200", "", "", kNow) == 0s);
  CHECK(feedd::schedule::freshness("", "Thu, 27 Feb 2025 17:00:00 GMT", "Thu, 27 Feb 2025 16:00:00 GMT", kNow) ==
        3600s);  // relative to the server's Date, not our clock
  CHECK(feedd::schedule::freshness("", "Thu, 27 Feb 2025 17:00:00 GMT", "", kNow) == 2h);
  CHECK(feedd::schedule::freshness("", "0", "", kNow) == 0s);
  CHECK(feedd::schedule::freshness("private", "", "", kNow) == std::nullopt);

  Poll p = ok();
  p.freshness = 7200s;
  auto d = decide(exact(), p, {}, 1);
  CHECK(d.due == kNow + 7200s);
  CHECK(d.reason == "Cache-Control/Expires 2h");
  p.freshness = 0s;
  CHECK(decide(exact(), p, {}, 1).reason == "interval 30m");
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date relative to now") {
  using feedd::schedule::parse_retry_after;
  CHECK(parse_retry_after("120", kNow) == 120s);
  CHECK(parse_retry_after(" 0 ", kNow) == 0s);
  CHECK(parse_retry_after("Thu, 27 Feb 2025 15:10:00 GMT", kNow) == 600s);
  CHECK(parse_retry_after("Thursday, 27-Feb-25 15:10:00 GMT", kNow) == 600s);
  CHECK(parse_retry_after("Thu, 27 Feb 2025 14:00:00 GMT", kNow) == 0s);  // in the past
  CHECK(parse_retry_after("soon", kNow) == std::nullopt);
  CHECK(parse_retry_after("-5", kNow) == std::nullopt);
  CHECK(parse_retry_after("", kNow) == std::nullopt);
}

TEST_CASE("Retry-After decides the wait: never earlier, at least the floor, beyond the ceiling up to a cap") {
  Policy p = exact();
  p.jitter = 0.1;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto d = decide(p, throttled(7200s, 4), {}, seed);
    CHECK(d.due >= kNow + 7200s);
    CHECK(d.due <= kNow + 7920s);
    CHECK(d.reason == "Retry-After 7200s");
  }
  auto short_wait = decide(exact(), throttled(10s), {}, 1);
  CHECK(short_wait.due == kNow + 300s);
  CHECK(short_wait.reason == "Retry-After 10s, raised to the floor 5m");
  auto beyond = decide(exact(), throttled(3 * 86400s), {}, 1);
  CHECK(beyond.due == kNow + 3 * 86400s);
  auto huge = decide(exact(), throttled(365 * 86400s), {}, 1);
  CHECK(huge.due == kNow + 7 * 86400s);
  CHECK(huge.reason == "Retry-After 31536000s, capped at 7d");
}

TEST_CASE("jitter spreads due times by up to the fraction, the same seed gives the same time") {
  Policy p = exact(1000s);
  p.jitter = 0.1;
  std::set<Instant> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    auto d = decide(p, ok(), {}, seed);
    CHECK(d.due >= kNow + 900s);
    CHECK(d.due <= kNow + 1100s);
    CHECK(d.reason == "interval 16m40s");
    seen.insert(d.due);
  }
  CHECK(seen.size() > 50);
  CHECK(decide(p, ok(), {}, 42).due == decide(p, ok(), {}, 42).due);
  CHECK(*seen.begin() < kNow + 950s);
  CHECK(*seen.rbegin() > kNow + 1050s);
}

TEST_CASE("jitter never takes a wait below the floor") {
  Policy p = exact(300s);
  p.jitter = 0.5;
  for (std::uint64_t seed = 0; seed < 100; ++seed) CHECK(decide(p, ok(), {}, seed).due >= kNow + 300s);
}

TEST_CASE("a feed with nothing new for several polls is polled less often, up to 8 times the interval") {
  History h;
  for (int i = 0; i < 2; ++i) feedd::schedule::record_success(h, 0, kNow);
  CHECK(decide(exact(), ok(), h, 1).reason == "interval 30m");
  feedd::schedule::record_success(h, 0, kNow);
  auto d = decide(exact(), ok(), h, 1);
  CHECK(d.due == kNow + 1h);
  CHECK(d.reason == "adaptive 1h (no new entries in 3 polls)");
  for (int i = 0; i < 3; ++i) feedd::schedule::record_success(h, 0, kNow);
  CHECK(decide(exact(), ok(), h, 1).due == kNow + 2h);
  for (int i = 0; i < 30; ++i) feedd::schedule::record_success(h, 0, kNow);
  CHECK(decide(exact(), ok(), h, 1).due == kNow + 4h);
  CHECK(decide(exact(), ok(), h, 1).reason == "adaptive 4h (no new entries in 36 polls)");
  Policy fixed = exact();
  fixed.adaptive = false;
  CHECK(decide(fixed, ok(), h, 1).reason == "interval 30m");
  feedd::schedule::record_success(h, 2, kNow);
  CHECK(decide(exact(), ok(), h, 1).reason == "interval 30m");
}

TEST_CASE("a feed that posts often is polled more often, down to a quarter of its interval") {
  History h;
  feedd::schedule::record_success(h, 20, kNow);  // the first poll: a backlog, not a rate
  CHECK(h.entry_gap == 0s);
  feedd::schedule::record_success(h, 3, kNow + 30min);  // one entry every 10 minutes
  CHECK(h.entry_gap == 10min);
  auto d = decide(exact(), ok(kNow + 30min), h, 1);
  CHECK(d.due == kNow + 40min);
  CHECK(d.reason == "adaptive 10m (new entries every ~10m)");
  feedd::schedule::record_success(h, 30, kNow + 60min);  // one a minute: bounded
  CHECK(decide(exact(), ok(), h, 1).due == kNow + 450s);
  CHECK(decide(exact(), ok(), h, 1).due >= kNow + 300s);
}

TEST_CASE("durations read like people write them") {
  using feedd::schedule::format_duration;
  CHECK(format_duration(45s) == "45s");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(300s) == "5m");
  CHECK(format_duration(5400s) == "1h30m");
  CHECK(format_duration(172800s) == "2d");
}

TEST_CASE("a wall-clock step neither fires queued feeds nor stalls them beyond the ceiling") {
  using feedd::schedule::monotonic_due;
  // Mapped once, when queued: 30 minutes after the loop's now.
  const std::uint64_t mono_now = 5'000'000;
  const std::uint64_t due = monotonic_due(kNow + 30min, kNow, mono_now, 86400s);
  CHECK(due == mono_now + 1'800'000);
  DueQueue q;
  q.push(0, due);
  // The wall clock jumps a day ahead (suspend, NTP): the monotonic clock moved 1 s.
  CHECK(q.pop_due(mono_now + 1000).empty());
  CHECK(q.pop_due(due) == std::vector<std::size_t>{0});
  // A stored due time that a clock stepped back puts a year ahead waits at most the ceiling;
  // one in the past is due now.
  CHECK(monotonic_due(kNow + 365 * 24h, kNow, mono_now, 86400s) == mono_now + 86'400'000);
  CHECK(monotonic_due(kNow - 24h, kNow, mono_now, 86400s) == mono_now);
}

TEST_CASE("the due queue hands out feeds in due order and a re-push supersedes") {
  DueQueue q;
  q.push(0, 300);
  q.push(1, 100);
  q.push(2, 200);
  q.push(0, 50);  // feed 0 is now due first; its old entry at 300 is stale
  CHECK(q.next_due() == 50u);
  CHECK(q.pop_due(150) == std::vector<std::size_t>{0, 1});
  CHECK(q.next_due() == 200u);
  q.remove(2);
  CHECK(q.empty());
  CHECK(q.pop_due(1000).empty());
}
