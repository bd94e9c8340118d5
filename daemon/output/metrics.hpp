#pragma once
// Counters and gauges about polling, written as OUTPUT_DIR/feedd.prom in Prometheus text
// format (for node_exporter's textfile collector). The daemon counts; this renders.
// Counters start at zero with each process (Prometheus expects counter resets).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/time.hpp"

namespace feedd::output {

struct Metrics {
  // Gauges, set from the feed list before each write.
  std::uint64_t feeds_total = 0;
  std::uint64_t feeds_failing = 0;   // the last poll failed
  std::uint64_t feeds_disabled = 0;  // not polled any more (e.g. 410 Gone)

  // Counters. polls: by outcome, the HTTP status ("200", "304", "404") or, without
  // one, the kind of transfer error ("timeout", "transport", "too_large", "redirects").
  std::map<std::string, std::uint64_t> polls;
  std::uint64_t bytes_fetched = 0;  // body bytes on the wire
  std::uint64_t entries_new = 0;
  std::uint64_t entries_duplicate = 0;
  std::uint64_t entries_updated = 0;
  std::uint64_t parse_failures = 0;  // a 2xx body that is not a feed
  std::uint64_t store_failures = 0;  // a poll the store could not commit
  // Polls whose document held no entry seen before, from a feed that brought entries
  // before: what it posted in between may be missing (app::settle).
  std::uint64_t gaps = 0;

  // A batch of polls ends when no poll is in flight any more.
  std::uint64_t batches = 0;
  std::optional<Instant> last_batch;             // when the last batch ended
  std::optional<Instant> last_successful_batch;  // ... the last one in which no poll failed

  void count_poll(const std::string& outcome, std::uint64_t bytes) {
    ++polls[outcome];
    bytes_fetched += bytes;
  }
  void end_batch(Instant now, bool any_failed) {
    ++batches;
    last_batch = now;
    if (!any_failed) last_successful_batch = now;
  }
};

// The Prometheus text exposition format (version 0.0.4): HELP and TYPE lines, one
// sample per line, ending with a newline.
std::string render_prometheus(const Metrics& metrics);

}  // namespace feedd::output
