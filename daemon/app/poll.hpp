#pragma once
// What one finished transfer means for a feed: its new state, and the parsed feed to
// store when there is one. Pure: no I/O; the daemon commits the result to the store.

#include <optional>
#include <string>

#include "common/time.hpp"
#include "feed/model.hpp"
#include "fetch/client.hpp"
#include "store/store.hpp"

namespace feedd::app {

struct PollOutcome {
  store::FeedState state;             // to commit
  std::optional<feed::Feed> parsed;   // on a 200 with a feed in it
  bool failed = false;                // counts as an error for the round's exit status
  std::string summary;                // "status=200 bytes=123" / "error=..." for the log line
};

PollOutcome interpret(const store::FeedState& before, const fetch::Response& response, Instant now);

}  // namespace feedd::app
