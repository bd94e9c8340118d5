#pragma once
// When each feed is polled next, and why. Pure computation: the caller passes the
// clock; nothing here reads it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace feedd::schedule {

using Seconds = std::chrono::seconds;

struct Policy {
  Seconds interval{1800};      // the feed's own interval (config), before bounds
  Seconds min_interval{300};   // floor: a typo cannot hammer a site
  Seconds max_interval{86400}; // ceiling, backoff included
};

struct Decision {
  Instant due;
  std::string reason;  // "interval", "backoff (3 errors)", ...
};

// The next poll after one that ended at `now`, with `consecutive_errors` counted after it.
Decision next_poll(const Policy& policy, int consecutive_errors, Instant now);

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
