#pragma once
// A feeds row as FeedState: the one column list and reader every feed query uses
// (the store's own queries and the read-only inspection behind `feedd feeds`).

#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace feedd::store {

// The columns every feed query selects, in read_feed's order. A macro so that each
// statement stays one string literal.
#define FEEDD_FEED_COLUMNS                                                                    \
  "id, url, title, site_link, etag, last_modified, last_status, last_error, "                 \
  "consecutive_errors, last_poll, last_success, next_due, next_due_reason, disabled_reason, " \
  "poll_url, schedule_memory "

inline FeedState read_feed(const sql::Stmt& s) {
  FeedState f;
  f.id = s.integer(0);
  f.url = s.text(1);
  f.title = s.text(2);
  f.site_link = s.text(3);
  f.etag = s.text(4);
  f.last_modified = s.text(5);
  f.last_status = static_cast<int>(s.integer(6));
  f.last_error = s.text(7);
  f.consecutive_errors = static_cast<int>(s.integer(8));
  f.last_poll = s.instant(9);
  f.last_success = s.instant(10);
  f.next_due = s.instant(11);
  f.next_due_reason = s.text(12);
  f.disabled_reason = s.text(13);
  f.poll_url = s.text(14);
  f.schedule_memory = s.text(15);
  return f;
}

}  // namespace feedd::store
