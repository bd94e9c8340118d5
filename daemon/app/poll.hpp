#pragma once
// What one finished transfer means for a feed: its new state (next due time and why
// included), and the parsed feed to store when there is one. Pure: no I/O, no clock, no
// randomness of its own; the daemon commits the result to the store.
//
// A poll that parsed a document is decided in two steps: interpret() reads the response,
// and settle() completes the schedule once the store has said which entries were new.
// An entry counts as new for the schedule when the store found it new (by key, as it
// deduplicates) and, if it has a date, that date is newer than any the feed gave before.
// Either alone is fooled: a feed that re-dates every entry at each request brings
// nothing new by key, one whose links change at each request nothing new by date.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/time.hpp"
#include "feed/model.hpp"
#include "feed/parser.hpp"
#include "fetch/client.hpp"
#include "schedule/schedule.hpp"
#include "store/store.hpp"

namespace feedd::app {

struct PollSettings {
  schedule::Policy policy;
  // The polled URL follows a 301/308 chain once this many polls in a row saw it.
  int permanent_redirect_polls = 2;
  // A feed failing this long is disabled; 0: never.
  int disable_after_days = 30;
  std::uint64_t seed = 0;  // jitter
  // A document's entries read, at most (feed::ParseOptions::max_entries): more than a
  // feed keeps (store.max_entries_per_feed) when that is set higher.
  std::size_t max_entries = feed::ParseOptions{}.max_entries;
};

// What a feed's poll remembers for the next one (FeedState::schedule_memory, as JSON).
struct PollMemory {
  schedule::History history;
  std::optional<Instant> newest_entry;  // the newest entry date the feed gave
  // Successful polls in a row whose documents held no entry seen before (a gap, or
  // links that change; said on the first of a run).
  int unseen_polls = 0;
  std::string redirect_target;          // a permanent redirect seen ...
  int redirect_polls = 0;               // ... on this many polls in a row
  std::optional<Instant> failing_since; // the first failed poll since the last success
  // A 429/503's Retry-After held this feed's host until then (kept so that a restart, or
  // the next one-shot round, holds it too); cleared by the feed's next poll.
  std::optional<Instant> host_hold_until;
  // Entries the last document had past the parser's cap (logged when it starts).
  std::size_t entries_unread = 0;

  static PollMemory decode(std::string_view text);  // lenient: unreadable parts are defaults
  std::string encode() const;
};

struct PollOutcome {
  store::FeedState state;             // to commit; next_due and next_due_reason set
  std::optional<feed::Feed> parsed;   // on a 200 with a feed in it
  bool failed = false;                // counts as an error for the round's exit status
  std::string summary;                // "status=200 bytes=123" / "error=..." for the log line
  // A 429/503 with Retry-After: hold every feed of this host until then.
  std::optional<schedule::Seconds> host_retry_after;
  // Something to log once: the polled URL moved, the feed was disabled.
  std::string notice;

  // A parsed document's schedule, waiting for the store's count of new entries.
  struct Unsettled {
    PollMemory memory;                           // as interpret() left it
    std::optional<schedule::Seconds> freshness;  // Cache-Control / Expires
    std::optional<Instant> previous_success;     // the feed's last successful poll before this one
    PollSettings settings;
    // Of the document's entries: those dated later than any date the feed gave before,
    // and those without a usable date.
    std::size_t newer = 0;
    std::size_t undated = 0;
  };
  std::optional<Unsettled> unsettled;  // set by interpret() for a parsed document
  // Set afresh by every settle(): the document reached back to no entry seen before,
  // each dated later than before (a gap); and the notice to log for such a document,
  // or for one whose links changed (on the first poll of a run).
  bool gap = false;
  std::string unseen_notice;
};

PollOutcome interpret(const store::FeedState& before, const fetch::Response& response, Instant now,
                      const PollSettings& settings = {});

// Completes the state of a poll that parsed a document (next_due, its reason and the
// schedule memory) from what the store found of it. Derives everything from
// `out.unsettled`: called again with the same result, it gives the same state (a batch
// that rolled back is recorded again poll by poll). Nothing to do for other polls.
void settle(PollOutcome& out, const store::IngestResult& ingested);

// Until when a Retry-After this feed received holds its host, if that is after `now`.
std::optional<Instant> host_hold(const store::FeedState& state, Instant now);

// The URL to request for this feed: where a permanent redirect moved it, else its own.
inline const std::string& poll_url(const store::FeedState& state) {
  return state.poll_url.empty() ? state.url : state.poll_url;
}

}  // namespace feedd::app
