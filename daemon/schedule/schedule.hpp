#pragma once
// When each feed is polled next, and why. Pure computation: the caller passes the
// clock, the poll's result, what the feed and the server said, and a seed for jitter;
// nothing here reads a clock or a random device.

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "feed/model.hpp"

namespace feedd::schedule {

using Seconds = std::chrono::seconds;

struct Policy {
  Seconds interval{1800};      // the feed's own interval (config), before bounds
  Seconds min_interval{300};   // floor: a typo cannot hammer a site
  Seconds max_interval{86400}; // ceiling, backoff included
  double jitter = 0.10;        // each wait is moved by up to ± this fraction
  bool adaptive = true;        // quiet feeds slow down, busy ones speed up (within bounds)
  // A server's Retry-After is honoured beyond the ceiling (it asked for that), up to this.
  Seconds max_retry_after{7 * 86400};
};

// What the scheduler remembers of a feed from one poll to the next (persisted).
struct History {
  int polls_without_new = 0;          // successful polls in a row that brought nothing new
  std::optional<Instant> last_new;    // the last poll that brought new entries
  Seconds entry_gap{0};               // smoothed time between new entries; 0 = not known yet
  feed::Hints hints;                  // from the last body parsed (a 304 keeps them)
};

// Updates the history after a successful poll that brought `new_entries` new entries.
// The first poll with entries only sets the starting point: a backlog is not a rate.
void record_success(History& history, std::size_t new_entries, Instant now);

// One finished poll, as the decision needs it.
struct Poll {
  Instant now;
  bool success = true;                  // a 200 with a feed, or a 304
  int consecutive_errors = 0;           // counted after this poll
  std::optional<Seconds> retry_after;   // a 429/503's Retry-After, relative to now
  std::optional<Seconds> freshness;     // Cache-Control max-age / Expires lifetime
};

struct Decision {
  Instant due;
  std::string reason;  // "interval 30m", "ttl 60m", "Retry-After 120s", "backoff (3 errors)", ...
};

// The next poll after `poll`. See the README's "Scheduling" section for the rules.
Decision decide(const Policy& policy, const Poll& poll, const History& history, std::uint64_t seed);

// Retry-After: delta-seconds or an HTTP-date (relative to `now`; a past date is 0).
// nullopt when absent or unreadable.
std::optional<Seconds> parse_retry_after(std::string_view value, Instant now);
// How long a response stays fresh: Cache-Control max-age, else Expires minus the
// response's Date (or `now` without one). 0 for no-cache / no-store; nullopt when neither
// header says anything usable.
std::optional<Seconds> freshness(std::string_view cache_control, std::string_view expires,
                                 std::string_view date, Instant now);
// The interval a feed's sy:updatePeriod / sy:updateFrequency describe, if any.
std::optional<Seconds> syndication_interval(const feed::Hints& hints);

// "90s", "5m", "2h", "1d", "1h30m": a wait as people read it.
std::string format_duration(Seconds s);

// Maps a wall-clock due time to the loop's monotonic clock once, when it is queued.
// The wait is clamped to [0, max_wait], so a persisted due time that a stepped-back
// clock puts far in the future cannot stall a feed beyond the ceiling; after this,
// only the monotonic clock counts and a later wall-clock step changes nothing.
std::uint64_t monotonic_due(Instant due, Instant wall_now, std::uint64_t mono_now_ms, Seconds max_wait);

// Feeds ordered by due time (milliseconds on the loop's monotonic clock). Re-pushing
// a feed supersedes its earlier entry.
class DueQueue {
 public:
  void push(std::size_t feed, std::uint64_t due_ms);
  void remove(std::size_t feed);
  // The earliest due time still queued, if any.
  std::optional<std::uint64_t> next_due();
  // Takes every feed due at or before now_ms, earliest first.
  std::vector<std::size_t> pop_due(std::uint64_t now_ms);
  bool empty();

 private:
  struct Item {
    std::uint64_t due_ms;
    std::uint64_t generation;
    std::size_t feed;
    bool operator>(const Item& other) const { return due_ms > other.due_ms; }
  };
  void drop_stale();

  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap_;
  std::vector<std::uint64_t> generation_;  // per feed; an item is live if it matches
};

}  // namespace feedd::schedule
