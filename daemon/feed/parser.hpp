#pragma once
// Bytes in, Feed out. Pure: no HTTP, no SQLite, no global state.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"
#include "feed/model.hpp"

namespace feedd::feed {

struct ParseOptions {
  std::string base_url;      // where the document was fetched from; relative URLs resolve against it
  std::string content_type;  // the HTTP Content-Type header, if any (its charset counts)
  std::size_t max_bytes = std::size_t{64} << 20;  // larger documents are refused
  std::size_t max_depth = 512;                    // deeper nesting is refused
  // Entries past this many, in document order, are not read (Feed::entries_unread counts
  // them): a document of a million tiny items must not become a model of that size.
  std::size_t max_entries = 10'000;
  // Dates later than now + this are flagged Entry::date_in_future.
  std::chrono::seconds future_slack = std::chrono::hours(48);
  std::optional<Instant> now;  // for tests; the wall clock when absent
};

// On a document that is not a feed, the error says why in one line, e.g.
// "not a feed: looks like an HTML page" or "XML error at line 3, column 7: ...".
Result<Feed> parse(std::string_view bytes, const ParseOptions& options = {});

}  // namespace feedd::feed
