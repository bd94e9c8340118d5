#include "store/inspect.hpp"

#include <map>

#include "store/feed_row.hpp"
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
    // A feed's entries: those it carried first and those it carried after another feed.
    sql::Stmt count(db, "SELECT feed_id, count(*) FROM (SELECT first_feed AS feed_id FROM entries "
                        "UNION ALL SELECT feed_id FROM entry_feeds) GROUP BY feed_id");
    {
      sql::Stmt::Use use(count);
      while (use->step()) counts[use->integer(0)] = use->integer(1);
    }

    sql::Stmt all(db, "SELECT " FEEDD_FEED_COLUMNS "FROM feeds ORDER BY id");
    std::vector<FeedReport> out;
    sql::Stmt::Use use(all);
    while (use->step()) {
      FeedReport r;
      r.state = read_feed(*use);
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
