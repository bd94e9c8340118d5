#include "store/inspect.hpp"

#include <map>

#include "store/schema.hpp"
#include "store/sqlite.hpp"

namespace feedd::store {

Result<std::vector<FeedReport>> inspect(const std::filesystem::path& database) {
  try {
    sql::Db db(database, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    const int busy = sqlite3_busy_timeout(db.get(), 5000);
    if (busy != SQLITE_OK) db.fail(busy, "busy timeout");
    const int version = schema::version(db);
    if (version != schema::kCurrentVersion) {
      return make_error("store " + database.string() + ": schema version " + std::to_string(version) +
                        ", this feedd reads version " + std::to_string(schema::kCurrentVersion) +
                        (version < schema::kCurrentVersion ? " (the daemon migrates it when it starts)" : ""));
    }

    std::map<std::int64_t, std::int64_t> counts;
    sql::Stmt count(db, "SELECT feed_id, count(*) FROM entry_feeds GROUP BY feed_id");
    {
      sql::Stmt::Use use(count);
      while (use->step()) counts[use->integer(0)] = use->integer(1);
    }

    // The columns of FeedState, in its order.
    sql::Stmt all(db,
                  "SELECT id, url, title, site_link, etag, last_modified, last_status, last_error, "
                  "consecutive_errors, last_poll, last_success, next_due, next_due_reason, "
                  "disabled_reason, poll_url FROM feeds ORDER BY id");
    std::vector<FeedReport> out;
    sql::Stmt::Use use(all);
    while (use->step()) {
      const sql::Stmt& s = *use;
      FeedReport r;
      r.state.id = s.integer(0);
      r.state.url = s.text(1);
      r.state.title = s.text(2);
      r.state.site_link = s.text(3);
      r.state.etag = s.text(4);
      r.state.last_modified = s.text(5);
      r.state.last_status = static_cast<int>(s.integer(6));
      r.state.last_error = s.text(7);
      r.state.consecutive_errors = static_cast<int>(s.integer(8));
      r.state.last_poll = s.instant(9);
      r.state.last_success = s.instant(10);
      r.state.next_due = s.instant(11);
      r.state.next_due_reason = s.text(12);
      r.state.disabled_reason = s.text(13);
      r.state.poll_url = s.text(14);
      const auto n = counts.find(r.state.id);
      r.entries = n == counts.end() ? 0 : n->second;
      out.push_back(std::move(r));
    }
    return out;
  } catch (const sql::SqlError& e) {
    return make_error("store " + database.string() + ": " + e.what());
  }
}

}  // namespace feedd::store
