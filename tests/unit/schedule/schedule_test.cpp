#include <doctest/doctest.h>

#include "schedule/schedule.hpp"

using namespace std::chrono_literals;
using feedd::Instant;
using feedd::schedule::DueQueue;
using feedd::schedule::next_poll;
using feedd::schedule::Policy;

TEST_CASE("a healthy feed is polled again after its interval") {
  const Instant now{std::chrono::sys_days{std::chrono::year{2025} / 2 / 27}};
  Policy p{.interval = 1800s, .min_interval = 300s, .max_interval = 86400s};
  auto d = next_poll(p, 0, now);
  CHECK(d.due == now + 1800s);
  CHECK(d.reason == "interval");
}

TEST_CASE("an interval below the floor or above the ceiling is clamped") {
  const Instant now{};
  CHECK(next_poll({.interval = 10s, .min_interval = 300s, .max_interval = 86400s}, 0, now).due == now + 300s);
  CHECK(next_poll({.interval = 100000s, .min_interval = 300s, .max_interval = 86400s}, 0, now).due ==
        now + 86400s);
}

TEST_CASE("errors back off exponentially up to the ceiling") {
  const Instant now{};
  Policy p{.interval = 600s, .min_interval = 300s, .max_interval = 7200s};
  CHECK(next_poll(p, 1, now).due == now + 1200s);
  CHECK(next_poll(p, 2, now).due == now + 2400s);
  CHECK(next_poll(p, 3, now).due == now + 4800s);
  CHECK(next_poll(p, 4, now).due == now + 7200s);
  CHECK(next_poll(p, 60, now).due == now + 7200s);
  CHECK(next_poll(p, 2, now).reason == "backoff (2 consecutive errors)");
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
