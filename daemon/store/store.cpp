#include "store/store.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <numeric>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "common/fd.hpp"
#include "common/log.hpp"
#include "feed/text.hpp"
#include "store/codec.hpp"
#include "store/content_hash.hpp"
#include "store/feed_row.hpp"
#include "store/hash.hpp"
#include "store/moved_links.hpp"
#include "store/recent.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/url_key.hpp"

namespace feedd::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// The columns every entry query selects, in read_entry's order.
#define FEEDD_ENTRY_COLUMNS                                                                    \
  "e.id, e.url_key, e.url, e.guid, e.title, e.summary, e.content, e.published, e.updated, " \
  "e.first_seen, e.date_clamped, e.extra, f.url, f.title, f.site_link, "                     \
  "m.entry_id IS NOT NULL, m.guid IS NOT NULL "                                              \
  "FROM entries e LEFT JOIN feeds f ON f.id = e.first_feed "                                 \
  "LEFT JOIN merged_ids m ON m.entry_id = e.id "

// The date an entry is stored with, when the store takes the feed's word for it: a
// missing date, or one in the future, is replaced by when the entry was first seen.
std::optional<Instant> trusted_published(const feed::Entry& e, Instant now) {
  if (e.published && !e.date_in_future && *e.published <= now) return e.published;
  return std::nullopt;
}

StoredEntry read_entry(const sql::Stmt& s) {
  StoredEntry e;
  e.id = s.integer(0);
  e.url_key = s.text(1);
  e.url = s.text(2);
  e.guid = s.text(3);
  e.title = s.text(4);
  e.summary = s.text(5);
  e.content = s.text(6);
  e.published = s.instant(7);
  e.updated = s.instant(8);
  e.first_seen = s.instant(9).value_or(Instant{});
  e.date_clamped = s.integer(10) != 0;
  if (!s.is_null(11)) {
    auto extra = codec::decode_extra(s.text(11));
    e.authors = std::move(extra.authors);
    e.categories = std::move(extra.categories);
    e.enclosures = std::move(extra.enclosures);
  }
  e.feed_url = s.text(12);
  e.feed_title = s.text(13);
  e.feed_link = s.text(14);
  if (s.integer(15) != 0) e.guid_is_id = s.integer(16) != 0;
  return e;
}

std::string error_text(const std::filesystem::path& path, std::string_view what,
                       const std::exception& e) {
  std::string m = "store ";
  m += path.string();
  m += ": ";
  m += what;
  m += ": ";
  m += e.what();
  return m;
}

// An exclusive flock on DATABASE.lock, held while the store is open: one feedd writes to
// a database at a time, and the kernel lets go when the process ends, however it ends.
Result<Fd> lock_database(const std::filesystem::path& database) {
  const std::string path = database.string() + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error("store " + database.string() + ": cannot open its lock file " + path + ": " +
                      std::strerror(errno) + "; refusing to start");
  }
  Fd lock(fd);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return make_error("store " + database.string() + ": another feedd process is using it (" + path +
                        " is locked); refusing to start, the file was not changed");
    }
    return make_error("store " + database.string() + ": cannot lock " + path + ": " + std::strerror(errno) +
                      "; refusing to start");
  }
  return lock;
}

bool is_write_failure(int primary) {
  return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN;
}

}  // namespace

// The key an entry is stored under, and the URL it is shown with: its link's URL key;
// without a usable link, its id's when the id is a URL; then a hash of the feed and the
// id; then of the feed, the title and the content. The feed is part of both hashes, so
// entries without link or URL id are never merged across feeds: without a URL, "the same
// article" cannot be told.
struct KeyChoice {
  std::string key;
  std::string_view url;    // the link or id the key came from; empty for hashed keys
  bool from_link = false;  // the key is the link's
};

KeyChoice choose_key(std::int64_t feed_id, const feed::Entry& e,
                     const std::vector<std::string>& extra_tracking_params) {
  std::string key = url_key(e.link, extra_tracking_params);
  if (!key.empty()) return {std::move(key), e.link, true};
  key = url_key(e.id, extra_tracking_params);
  if (!key.empty()) return {std::move(key), e.id};
  const std::string feed = std::to_string(feed_id);
  if (!e.id.empty()) return {"id:" + Fnv1a().field(feed).field(e.id).hex(), {}};
  const std::string& body = e.content.empty() ? e.summary : e.content;
  return {"text:" + Fnv1a().field(feed).field(e.title).field(body).hex(), {}};
}

std::string entry_key(std::int64_t feed_id, const feed::Entry& e,
                      const std::vector<std::string>& extra_tracking_params) {
  return choose_key(feed_id, e, extra_tracking_params).key;
}

struct Store::Impl {
  Impl(std::filesystem::path p, StoreOptions o, Fd l, sql::Db d)
      : lock(std::move(l)),
        path(std::move(p)),
        options(std::move(o)),
        db(std::move(d)),
        tx(db),
        feed_insert(db, "INSERT INTO feeds(url) VALUES(?1) ON CONFLICT(url) DO NOTHING"),
        feed_by_url(db, "SELECT " FEEDD_FEED_COLUMNS "FROM feeds WHERE url = ?1"),
        feed_all(db, "SELECT " FEEDD_FEED_COLUMNS "FROM feeds ORDER BY id"),
        feed_update(db,
                    "UPDATE feeds SET title = ?2, site_link = ?3, etag = ?4, "
                    "last_modified = ?5, last_status = ?6, last_error = ?7, "
                    "consecutive_errors = ?8, last_poll = ?9, last_success = ?10, "
                    "next_due = ?11, next_due_reason = ?12, disabled_reason = ?13, "
                    "poll_url = ?14, schedule_memory = ?15 WHERE id = ?1"),
        // Apart, so that a poll (which keeps its URL) leaves the index on feeds.url alone.
        feed_rename(db, "UPDATE feeds SET url = ?2 WHERE id = ?1 AND url <> ?2"),
        // A known entry, or else a tombstone (a row of NULLs), or nothing: one lookup.
        entry_find(db, "SELECT id, content_hash, first_feed FROM entries WHERE url_key = ?1 "
                       "UNION ALL SELECT NULL, NULL, NULL FROM tombstones WHERE url_key = ?1"),
        // The feed's own newest entries, for links that moved (moved_links.hpp): those it
        // carried first and those it carried after another feed.
        own_newest(db, "SELECT guid, title, url_key, content_hash, "
                       "CASE WHEN date_clamped THEN NULL ELSE published END "
                       "FROM entries WHERE id IN "
                       "(SELECT id FROM (SELECT id FROM entries WHERE first_feed = ?1 ORDER BY id DESC LIMIT ?2) "
                       "UNION ALL SELECT entry_id FROM (SELECT entry_id FROM entry_feeds WHERE feed_id = ?1 "
                       "ORDER BY entry_id DESC LIMIT ?2)) "
                       "ORDER BY id DESC LIMIT ?2"),
        entry_insert(db,
                     "INSERT INTO entries(url_key, url, guid, title, summary, content, published, "
                     "updated, first_seen, date_clamped, content_hash, extra, first_feed, id) "
                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        entry_update(db,
                     "UPDATE entries SET title = ?2, summary = ?3, content = ?4, updated = ?5, "
                     "content_hash = ?6, extra = ?7 WHERE id = ?1"),
        entry_rehash(db, "UPDATE entries SET content_hash = ?2 WHERE id = ?1"),
        entry_text(db, "SELECT title, summary, content, extra FROM entries WHERE id = ?1"),
        link_insert(db,
                    "INSERT INTO entry_feeds(entry_id, feed_id, first_seen) VALUES(?1, ?2, ?3) "
                    "ON CONFLICT DO NOTHING"),
        // The window's entries are ranked on (published, id) alone; only the chosen ones
        // are read whole. Sorting whole rows (their bodies) of a window of thousands, as a
        // cold round's first merged feed does, cost more than the rest of writing it.
        newest_all(db, "SELECT " FEEDD_ENTRY_COLUMNS
                       "WHERE e.id IN (SELECT r.id FROM entries r "
                       "WHERE r.id >= ?3 ORDER BY r.published DESC, r.id DESC LIMIT ?1) "
                       "ORDER BY e.published DESC, e.id DESC"),
        // From the feeds' own entries (entries_by_feed and entry_feeds_by_feed), so a tag of
        // a few feeds costs its entries in the window, not the whole store's.
        newest_of_feeds(db, "SELECT " FEEDD_ENTRY_COLUMNS
                            "WHERE e.id IN (SELECT r.id FROM entries r WHERE r.id IN "
                            "(SELECT x.id FROM entries x WHERE x.first_feed IN "
                            "(SELECT id FROM feeds WHERE url IN (SELECT value FROM json_each(?2))) "
                            "AND x.id >= ?3 UNION SELECT ef.entry_id FROM entry_feeds ef "
                            "WHERE ef.feed_id IN (SELECT id FROM feeds WHERE url IN "
                            "(SELECT value FROM json_each(?2))) AND ef.entry_id >= ?3) "
                            "ORDER BY r.published DESC, r.id DESC LIMIT ?1) "
                            "ORDER BY e.published DESC, e.id DESC"),
        id_range(db, "SELECT min(id), max(id) FROM entries"),
        first_seen_below(db, "SELECT first_seen FROM entries WHERE id < ?1 ORDER BY id DESC LIMIT 1"),
        last_entry(db, "SELECT id, first_seen FROM entries ORDER BY id DESC LIMIT 1"),
        digest_through(db, "SELECT through FROM digest_cursor WHERE id = 1"),
        feed_shown(db, "SELECT url, title FROM feeds WHERE id = ?1"),
        entry_by_id(db, "SELECT " FEEDD_ENTRY_COLUMNS "WHERE e.id = ?1"),
        // assign_ids(): the guid when no entry holds it, else no guid (feedd's id).
        id_claim(db, "INSERT INTO merged_ids(entry_id, guid) VALUES(?1, ?2) ON CONFLICT DO NOTHING"),
        id_defer(db, "INSERT INTO merged_ids(entry_id, guid) VALUES(?1, NULL) ON CONFLICT DO NOTHING"),
        id_owned(db, "SELECT guid IS NOT NULL FROM merged_ids WHERE entry_id = ?1"),
        // What a digest line shows: the same columns, without the bodies.
        undigested(db, "SELECT e.id, '', e.url, CASE e.url WHEN '' THEN e.guid ELSE '' END, e.title, '', '', "
                       "e.published, "
                       "e.updated, e.first_seen, e.date_clamped, NULL, "
                       "CASE coalesce(f.title, '') WHEN '' THEN f.url ELSE '' END, f.title, '', 0, 0 "
                       "FROM entries e LEFT JOIN feeds f ON f.id = e.first_feed "
                       "WHERE e.id > (SELECT through FROM digest_cursor WHERE id = 1) AND NOT EXISTS "
                       "(SELECT 1 FROM digest_pending p WHERE p.entry_id = e.id) "
                       "ORDER BY e.id LIMIT ?1"),
        mark_digested(db, "UPDATE digest_cursor SET through = max(through, ?1) WHERE id = 1"),
        digest_batch_get(db, "SELECT file, offset, started_at FROM digest_batch WHERE id = 1"),
        digest_batch_set(db, "INSERT INTO digest_batch(id, file, offset, started_at) "
                             "VALUES(1, ?1, ?2, ?3)"),
        digest_batch_clear(db, "DELETE FROM digest_batch"),
        digest_pending_add(db, "INSERT INTO digest_pending(entry_id, position) VALUES(?1, ?2)"),
        digest_pending_list(db, "SELECT entry_id FROM digest_pending ORDER BY position"),
        digest_pending_clear(db, "DELETE FROM digest_pending"),
        tomb_find(db, "SELECT 1 FROM tombstones WHERE url_key = ?1"),
        integrity_passed(db, "UPDATE integrity_check SET passed_at = ?1 WHERE id = 1"),
        tomb_touch(db, "UPDATE tombstones SET last_seen = ?2 WHERE url_key = ?1 AND last_seen < ?2"),
        // A tombstone made again (the entry came back and was pruned again) keeps the
        // entry's latest identity.
        tomb_put(db, "INSERT INTO tombstones(url_key, pruned_at, last_seen, moved_key, moved_published, "
                     "moved_content_hash, moved_title_key) VALUES(?1, ?2, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT(url_key) DO UPDATE SET pruned_at = excluded.pruned_at, "
                     "last_seen = max(last_seen, excluded.last_seen), moved_key = excluded.moved_key, "
                     "moved_published = excluded.moved_published, moved_content_hash = excluded.moved_content_hash, "
                     "moved_title_key = excluded.moved_title_key"),
        // A moved key is in a tombstone (of the feed that first carried the entry) or in a
        // departure (of a feed that carried it besides): both say where the article is.
        // One entry may answer twice, from its tombstone and a departure of the same feed.
        tomb_moved(db, "SELECT url_key, moved_published, moved_content_hash FROM tombstones "
                       "WHERE moved_key = ?1 UNION ALL SELECT url_key, moved_published, moved_content_hash "
                       "FROM departures WHERE moved_key = ?1 LIMIT 3"),
        tomb_moved_title(db, "SELECT url_key, moved_published, moved_content_hash FROM tombstones "
                             "WHERE moved_title_key = ?1 UNION ALL SELECT url_key, moved_published, "
                             "moved_content_hash FROM departures WHERE moved_title_key = ?1 LIMIT 3"),
        tomb_any_moved(db, "SELECT 1 WHERE EXISTS (SELECT 1 FROM tombstones WHERE moved_key IS NOT NULL) "
                           "OR EXISTS (SELECT 1 FROM tombstones WHERE moved_title_key IS NOT NULL) "
                           "OR EXISTS (SELECT 1 FROM departures)"),
        departure_put(db, "INSERT INTO departures(feed_id, url_key, last_seen, moved_key, moved_title_key, "
                          "moved_published, moved_content_hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                          "ON CONFLICT(feed_id, url_key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), "
                          "moved_key = excluded.moved_key, moved_title_key = excluded.moved_title_key, "
                          "moved_published = excluded.moved_published, "
                          "moved_content_hash = excluded.moved_content_hash"),
        departure_touch(db, "UPDATE departures SET last_seen = ?3 "
                            "WHERE feed_id = ?1 AND url_key = ?2 AND last_seen < ?3"),
        departure_expire(db, "DELETE FROM departures WHERE (feed_id, url_key) IN "
                             "(SELECT feed_id, url_key FROM departures WHERE last_seen < ?1 LIMIT ?2)"),
        links_of_entry(db, "SELECT feed_id FROM entry_feeds WHERE entry_id = ?1"),
        entry_identity(db, "SELECT first_feed, guid, title, CASE WHEN date_clamped THEN NULL ELSE published END, "
                           "content_hash, url_key FROM entries WHERE id = ?1"),
        tomb_expire(db, "DELETE FROM tombstones WHERE url_key IN "
                        "(SELECT url_key FROM tombstones WHERE last_seen < ?1 LIMIT ?2)"),
        entry_delete(db, "DELETE FROM entries WHERE id = ?1"),
        entries_oldest(db, "SELECT id, first_seen FROM entries ORDER BY id LIMIT ?1"),
        feeds_after(db, "SELECT id FROM feeds WHERE id > ?1 ORDER BY id LIMIT ?2"),
        // A feed's entries: those it carried first (entries.first_feed) and those it
        // carried after another feed (entry_feeds).
        feed_link_count(db, "SELECT (SELECT count(*) FROM entries WHERE first_feed = ?1) + "
                            "(SELECT count(*) FROM entry_feeds WHERE feed_id = ?1)"),
        feed_excess(db, "SELECT id FROM (SELECT id, published FROM entries WHERE first_feed = ?1 "
                        "UNION ALL SELECT e.id, e.published FROM entry_feeds ef "
                        "JOIN entries e ON e.id = ef.entry_id WHERE ef.feed_id = ?1) "
                        "ORDER BY published DESC, id DESC LIMIT ?3 OFFSET ?2"),
        link_delete(db, "DELETE FROM entry_feeds WHERE entry_id = ?1 AND feed_id = ?2"),
        link_first_other(db, "SELECT feed_id FROM entry_feeds WHERE entry_id = ?1 "
                             "ORDER BY first_seen, feed_id LIMIT 1"),
        entry_set_first_feed(db, "UPDATE entries SET first_feed = ?2 WHERE id = ?1"),
        stats(db, "SELECT feed_id, count(*), max(published) FROM "
                  "(SELECT first_feed AS feed_id, published FROM entries UNION ALL "
                  "SELECT ef.feed_id, e.published FROM entry_feeds ef JOIN entries e ON e.id = ef.entry_id) "
                  "GROUP BY feed_id ORDER BY feed_id") {}

  // A poll naming a feed the database does not have: that poll's error, not the store's.
  struct MissingFeed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  // Runs together(i) for items 0..n-1 in one transaction (it throws to fail); when any
  // fails, that transaction rolls back and alone(i) answers for each item in its own, so
  // one bad item never takes the others with it.
  template <class T, class Together, class Alone>
  std::vector<Result<T>> together_or_alone(std::size_t n, Together together, Alone alone);

  FeedState add_feed(const std::string& url);
  IngestResult record(const FeedState& state, const feed::Feed* parsed, Instant now, const Settle& settle);
  void write_feed(const FeedState& state);
  void ingest_document(std::int64_t feed_id, const feed::Feed& parsed, Instant now, IngestResult& result);
  bool reads_the_same(std::int64_t id, const feed::Entry& e, const std::string& extra);
  void ingest(std::int64_t feed_id, const feed::Entry& e, const KeyChoice& choice, Instant now,
              MovedLinks& moved, IngestResult& result);
  void note_write_succeeded();
  void report_write_failure(const sql::SqlError& e);
  bool unlink(std::int64_t entry_id, std::int64_t feed_id, Instant now);
  // What finds an entry again when a feed's link to it moves (moved_links.hpp), and the
  // key it is stored under.
  struct Identity {
    std::int64_t first_feed = 0;
    std::string guid;
    std::string title;
    std::optional<std::int64_t> published;  // the feed's date; none when the store chose it
    std::int64_t content_hash = 0;
    std::string key;
  };
  std::optional<Identity> identity(std::int64_t entry_id);
  // Removes the entry `id`, leaving its tombstone, and a departure for each feed that
  // carried it besides its first.
  void bury(std::int64_t id, const Identity& entry, Instant now);
  // The feed `feed_id` no longer keeps the entry: it keeps a departure, found by the
  // entry's moved keys with this feed, as a tombstone is.
  void depart(const Identity& entry, std::int64_t feed_id, std::int64_t now_s);

  Fd lock;  // first in, last out: held until the database is closed
  std::filesystem::path path;
  StoreOptions options;
  sql::Db db;
  sql::TransactionStatements tx;
  sql::Stmt feed_insert;
  sql::Stmt feed_by_url;
  sql::Stmt feed_all;
  sql::Stmt feed_update;
  sql::Stmt feed_rename;
  sql::Stmt entry_find;
  sql::Stmt own_newest;
  sql::Stmt entry_insert;
  sql::Stmt entry_update;
  sql::Stmt entry_rehash;
  sql::Stmt entry_text;
  sql::Stmt link_insert;
  sql::Stmt newest_all;
  sql::Stmt newest_of_feeds;
  sql::Stmt id_range;
  sql::Stmt first_seen_below;
  sql::Stmt last_entry;
  sql::Stmt digest_through;
  sql::Stmt feed_shown;
  sql::Stmt entry_by_id;
  sql::Stmt id_claim;
  sql::Stmt id_defer;
  sql::Stmt id_owned;
  sql::Stmt undigested;
  sql::Stmt mark_digested;
  sql::Stmt digest_batch_get;
  sql::Stmt digest_batch_set;
  sql::Stmt digest_batch_clear;
  sql::Stmt digest_pending_add;
  sql::Stmt digest_pending_list;
  sql::Stmt digest_pending_clear;
  sql::Stmt tomb_find;
  sql::Stmt integrity_passed;
  sql::Stmt tomb_touch;
  sql::Stmt tomb_put;
  sql::Stmt tomb_moved;
  sql::Stmt tomb_moved_title;
  sql::Stmt tomb_any_moved;
  sql::Stmt departure_put;
  sql::Stmt departure_touch;
  sql::Stmt departure_expire;
  sql::Stmt links_of_entry;
  sql::Stmt entry_identity;
  sql::Stmt tomb_expire;
  sql::Stmt entry_delete;
  sql::Stmt entries_oldest;
  sql::Stmt feeds_after;
  sql::Stmt feed_link_count;
  sql::Stmt feed_excess;
  sql::Stmt link_delete;
  sql::Stmt link_first_other;
  sql::Stmt entry_set_first_feed;
  sql::Stmt stats;
  // Where the next new entry goes: ids only grow, above the digest's cursor, and
  // first_seen never decreases with id (schema.cpp, version 6). Read from the database
  // once per write transaction (see sequence()), so another writer between two
  // transactions is seen.
  struct Sequence {
    std::int64_t next_id = 1;
    std::int64_t min_first_seen = 0;
  };
  std::optional<Sequence> seq;
  Sequence& sequence();
  // The id of the newest entry stored, by this connection or another; 0 when there is none.
  // The database passed PRAGMA quick_check at `now_s` (integrity_check.passed_at).
  void record_integrity_pass(std::int64_t now_s) {
    sql::Stmt::Use passed(integrity_passed);
    passed->bind(1, now_s).run();
  }
  std::int64_t newest_entry_id() {
    sql::Stmt::Use q(last_entry);
    return q->step() ? q->integer(0) : 0;
  }

  // What the digest has still to write and the newest entries, kept in memory from the
  // transactions that stored them (recent.hpp).
  RecentEntries recent;
  // A write transaction that may store entries begins: forget the last one's ids (a
  // rolled-back transaction hands them out again) and its staged entries.
  void begin_writes();
  // undigested() from memory, when it holds the answer.
  std::optional<std::vector<StoredEntry>> undigested_fresh(std::size_t limit);

  // Whether a tombstone may have a moved key, or there may be a departure
  // (MovedLinks::Queries).
  bool moved_tombstones = false;
  // Whether a departure may exist: a tombstone found touches this feed's too.
  bool departures = false;
  bool write_failing = false;   // said once until a write succeeds again
  std::int64_t cap_cursor = 0;  // prune(): the last feed whose cap was checked
};

#undef FEEDD_ENTRY_COLUMNS

// Whether the stored entry `id` reads as `e` does: the same title, authors, categories and
// enclosures (`extra`, encoded), and the same text once its markup (and the URLs in it)
// is gone.
bool Store::Impl::reads_the_same(std::int64_t id, const feed::Entry& e, const std::string& extra) {
  sql::Stmt::Use q(entry_text);
  q->bind(1, id);
  if (!q->step()) return false;
  const std::string stored_extra = q->is_null(3) ? std::string() : q->text(3);
  return q->text(0) == e.title && stored_extra == extra &&
         feed::html_to_text(q->text(1)) == feed::html_to_text(e.summary) &&
         feed::html_to_text(q->text(2)) == feed::html_to_text(e.content);
}

void Store::Impl::ingest(std::int64_t feed_id, const feed::Entry& e, const KeyChoice& choice, Instant now,
                         MovedLinks& moved, IngestResult& result) {
  const std::string& key = choice.key;
  const std::int64_t hash = content_hash(e);
  const std::int64_t now_s = now.time_since_epoch().count();
  const std::optional<Instant> date = trusted_published(e, now);

  enum class Known { no, entry, tombstone } known = Known::no;
  std::int64_t id = 0;
  std::int64_t stored_hash = 0;
  std::int64_t first_feed = 0;
  const auto find = [&](const std::string& k) {
    sql::Stmt::Use q(entry_find);
    q->bind(1, k);
    if (!q->step()) return;
    if (q->is_null(0)) {
      known = Known::tombstone;
    } else {
      known = Known::entry;
      id = q->integer(0);
      stored_hash = q->integer(1);
      first_feed = q->integer(2);
    }
  };
  find(key);
  std::optional<std::string> moved_from;
  if (known == Known::no && choice.from_link) {
    std::optional<std::int64_t> published;
    if (date) published = date->time_since_epoch().count();
    moved_from = moved.old_key(e, hash, published);
    if (moved_from) {
      find(*moved_from);
      if (known != Known::no) ++result.relinked;
    }
  }

  if (known == Known::tombstone) {
    // Pruned before: remembered, not new again. While a feed carries it, it is
    // remembered on, and so is this feed's departure from it, if it has one.
    const std::string& found = moved_from ? *moved_from : key;
    {
      sql::Stmt::Use touch(tomb_touch);
      touch->bind(1, found).bind(2, now_s).run();
    }
    if (departures) {
      sql::Stmt::Use touch(departure_touch);
      touch->bind(1, feed_id).bind(2, found).bind(3, now_s).run();
    }
    ++result.duplicates;
    return;
  }

  std::optional<Instant> updated = e.updated;
  if (updated && *updated > now) updated = now;

  if (known == Known::entry) {
    // The feed that first carried it was linked with it; any other feed is linked now.
    if (first_feed != feed_id) {
      sql::Stmt::Use link(link_insert);
      link->bind(1, id).bind(2, feed_id).bind(3, now_s).run();
    }
    // Only the feed that first carried it updates it: two feeds that describe one article
    // differently would otherwise overwrite each other at every round.
    if (stored_hash == hash || first_feed != feed_id) {
      ++result.duplicates;
      return;
    }
    // Unchanged since an older feedd stored it with the hash it used then: the current
    // hash is kept from now on, and nothing else changes.
    if (stored_hash == legacy_content_hash(e)) {
      sql::Stmt::Use rehash(entry_rehash);
      rehash->bind(1, id).bind(2, hash).run();
      ++result.duplicates;
      return;
    }
    const std::string extra = codec::encode_extra(e.authors, e.categories, e.enclosures);
    // Markup alone is no edit: signed image URLs, tracking tokens and session ids in the
    // links of an article's text change at every request. What reads the same is unchanged.
    if (reads_the_same(id, e, extra)) {
      ++result.duplicates;
      return;
    }
    sql::Stmt::Use update(entry_update);
    update->bind(1, id).bind(2, e.title).bind(3, e.summary).bind(4, e.content);
    update->bind(5, updated.value_or(now)).bind(6, hash).bind_text_or_null(7, extra).run();
    recent.stage_update(id, e.title, updated.value_or(now));
    ++result.updated;
    return;
  }

  // first_seen never goes below the last entry's (a wall clock stepped back), so id
  // order stays first-seen order. A missing or future date: first_seen stands in, and the
  // entry says so. So published never exceeds first_seen, which newest() relies on.
  Sequence& next = sequence();
  const std::int64_t first_seen = std::max(now_s, next.min_first_seen);
  std::int64_t published = first_seen;
  bool clamped = true;
  if (date) {
    published = date->time_since_epoch().count();
    clamped = false;
  }
  const std::string extra = codec::encode_extra(e.authors, e.categories, e.enclosures);
  id = next.next_id;
  {
    sql::Stmt::Use insert(entry_insert);
    insert->bind(1, key).bind(2, choice.url).bind(3, e.id).bind(4, e.title).bind(5, e.summary);
    insert->bind(6, e.content).bind(7, published).bind(8, updated).bind(9, first_seen);
    insert->bind(10, std::int64_t{clamped ? 1 : 0}).bind(11, hash).bind_text_or_null(12, extra);
    insert->bind(13, feed_id).bind(14, id).run();
  }
  next.next_id = id + 1;
  next.min_first_seen = first_seen;
  result.new_entries.push_back(id);
  recent.stage({id, feed_id, std::string(choice.url), choice.url.empty() ? e.id : std::string(), e.title,
                published, updated, first_seen, clamped});
}

void Store::Impl::begin_writes() {
  seq.reset();
  recent.begin(sequence().next_id);
}

std::optional<std::vector<StoredEntry>> Store::Impl::undigested_fresh(std::size_t limit) {
  std::int64_t through = 0;
  {
    sql::Stmt::Use q(digest_through);
    if (!q->step()) return std::nullopt;
    through = q->integer(0);
  }
  {
    sql::Stmt::Use q(digest_batch_get);
    if (q->step()) return std::nullopt;  // a pending batch: the database answers
  }
  auto taken = recent.take_unwritten(through, newest_entry_id(), limit);
  if (!taken) return std::nullopt;
  std::vector<StoredEntry> out;
  out.reserve(taken->size());
  std::int64_t shown_feed = 0;
  std::string feed_url;
  std::string feed_title;
  for (auto& f : *taken) {
    if (f.feed_id != shown_feed) {
      sql::Stmt::Use q(feed_shown);
      q->bind(1, f.feed_id);
      const bool found = q->step();
      feed_title = found ? q->text(1) : std::string();
      feed_url = found && feed_title.empty() ? q->text(0) : std::string();
      shown_feed = f.feed_id;
    }
    StoredEntry& e = out.emplace_back();
    e.id = f.id;
    e.url = std::move(f.url);
    e.guid = std::move(f.guid);
    e.title = std::move(f.title);
    e.published = Instant{std::chrono::seconds{f.published}};
    e.updated = f.updated;
    e.first_seen = Instant{std::chrono::seconds{f.first_seen}};
    e.date_clamped = f.clamped;
    e.feed_url = feed_url;
    e.feed_title = feed_title;
  }
  return out;
}

Store::Impl::Sequence& Store::Impl::sequence() {
  if (seq) return *seq;
  Sequence s;
  {
    sql::Stmt::Use last(last_entry);
    if (last->step()) {
      s.next_id = last->integer(0) + 1;
      s.min_first_seen = last->integer(1);
    }
  }
  {
    sql::Stmt::Use through(digest_through);
    if (through->step()) s.next_id = std::max(s.next_id, through->integer(0) + 1);
  }
  seq = s;
  return *seq;
}

// This feed keeps the entry no longer. Another feed that carried it keeps it (and becomes
// its first feed when this one was), and this feed keeps a departure; without one, the
// entry goes. Returns whether it went.
bool Store::Impl::unlink(std::int64_t entry_id, std::int64_t feed_id, Instant now) {
  const auto entry = identity(entry_id);
  if (!entry) return false;
  const std::int64_t now_s = now.time_since_epoch().count();
  if (entry->first_feed != feed_id) {
    depart(*entry, feed_id, now_s);
    sql::Stmt::Use del(link_delete);
    del->bind(1, entry_id).bind(2, feed_id).run();
    return false;
  }
  std::optional<std::int64_t> other;
  {
    sql::Stmt::Use q(link_first_other);
    q->bind(1, entry_id);
    if (q->step()) other = q->integer(0);
  }
  if (!other) {
    bury(entry_id, *entry, now);
    return true;
  }
  depart(*entry, feed_id, now_s);
  recent.moved(entry_id);
  {
    sql::Stmt::Use set(entry_set_first_feed);
    set->bind(1, entry_id).bind(2, *other).run();
  }
  sql::Stmt::Use del(link_delete);
  del->bind(1, entry_id).bind(2, *other).run();
  return false;
}

std::optional<Store::Impl::Identity> Store::Impl::identity(std::int64_t entry_id) {
  sql::Stmt::Use q(entry_identity);
  q->bind(1, entry_id);
  if (!q->step()) return std::nullopt;
  Identity out{q->integer(0), q->text(1), q->text(2), std::nullopt, q->integer(4), q->text(5)};
  if (!q->is_null(3)) out.published = q->integer(3);
  return out;
}

void Store::Impl::depart(const Identity& entry, std::int64_t feed_id, std::int64_t now_s) {
  const std::string moved = moved_key(feed_id, entry.guid, entry.title);
  const std::string moved_title = moved_title_key(feed_id, entry.guid, entry.title);
  if (moved.empty() && moved_title.empty()) return;  // nothing would find it
  sql::Stmt::Use put(departure_put);
  put->bind(1, feed_id).bind(2, entry.key).bind(3, now_s).bind_text_or_null(4, moved).bind_text_or_null(5, moved_title);
  put->bind(6, entry.published).bind(7, entry.content_hash).run();
  departures = true;
  moved_tombstones = true;
}

void Store::Impl::bury(std::int64_t id, const Identity& entry, Instant now) {
  recent.removed(id);
  const std::string moved = moved_key(entry.first_feed, entry.guid, entry.title);
  const std::string moved_title = moved_title_key(entry.first_feed, entry.guid, entry.title);
  std::optional<std::int64_t> published;
  std::optional<std::int64_t> hash;
  if (!moved.empty() || !moved_title.empty()) {
    published = entry.published;
    hash = entry.content_hash;
  }
  // The tombstone's moved keys are its first feed's; the other feeds that carried it
  // keep departures.
  std::vector<std::int64_t> others;
  {
    sql::Stmt::Use q(links_of_entry);
    q->bind(1, id);
    while (q->step()) others.push_back(q->integer(0));
  }
  for (std::int64_t feed_id : others) depart(entry, feed_id, now.time_since_epoch().count());
  {
    sql::Stmt::Use put(tomb_put);
    put->bind(1, entry.key).bind(2, now).bind_text_or_null(3, moved).bind(4, published).bind(5, hash);
    put->bind_text_or_null(6, moved_title).run();
  }
  if (!moved.empty() || !moved_title.empty()) moved_tombstones = true;
  sql::Stmt::Use del(entry_delete);
  del->bind(1, id).run();
}

void Store::Impl::report_write_failure(const sql::SqlError& e) {
  if (!is_write_failure(e.primary())) return;
  if (write_failing) return;
  write_failing = true;
  log::get("store")->error(
      "event=write-failed db={} error=\"{}\" action=\"rolled back; polls are retried, the "
      "daemon keeps running\"",
      path.string(), e.what());
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

namespace {

// Whether PRAGMA quick_check is to run at this open: always before version 8 (which keeps
// the record), else when the last check that passed is `interval` old, or dated after now
// (a wall clock stepped back).
bool integrity_check_due(sql::Db& db, int version, std::chrono::seconds interval, std::int64_t now_s) {
  if (interval.count() <= 0 || version < 8) return true;
  const std::int64_t passed_at = db.query_int("SELECT coalesce(max(passed_at), 0) FROM integrity_check");
  return passed_at <= 0 || passed_at > now_s || now_s - passed_at >= interval.count();
}

// PRAGMA quick_check's verdict on one line: "ok", or the first problem it found.
std::string quick_check(sql::Db& db) {
  sql::Stmt check(db, "PRAGMA quick_check(1)");
  std::string verdict = check.step() ? check.text(0) : std::string("no answer");
  check.reset();
  for (char& c : verdict) {
    if (c == '\n') c = ' ';
  }
  return verdict;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path,
                                           StoreOptions options) {
  const char* stage = "cannot open the database";
  bool untouched = true;  // nothing written yet: the refusal can say the file is as it was
  try {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (exists && !std::filesystem::is_regular_file(path, ec)) {
      return make_error("store " + path.string() + ": not a regular file; refusing to start");
    }
    auto lock = lock_database(path);
    if (!lock) return lock.error();
    // An existing file is opened without SQLITE_OPEN_CREATE; nothing below writes to it
    // before it has been read and checked.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!exists) flags |= SQLITE_OPEN_CREATE;
    sql::Db db(path, flags);
    const int busy = sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    if (busy != SQLITE_OK) db.fail(busy, "busy timeout");

    stage = "cannot read the database";
    const std::int64_t objects = db.query_int("SELECT count(*) FROM sqlite_schema");
    const int version = schema::version(db);
    if (version > schema::kCurrentVersion) {
      return make_error("store " + path.string() + ": schema version " +
                        std::to_string(version) + " is newer than this feedd knows (" +
                        std::to_string(schema::kCurrentVersion) +
                        "); refusing to start, the file was not changed");
    }
    if (version == 0 && objects > 0) {
      return make_error("store " + path.string() +
                        ": an SQLite database that feedd did not create; refusing to start, "
                        "the file was not changed");
    }
    const std::int64_t now_s = now_utc().time_since_epoch().count();
    const bool checking = options.check_integrity_on_open && objects > 0 &&
                          integrity_check_due(db, version, options.integrity_check_interval, now_s);
    if (checking) {
      const std::string verdict = quick_check(db);
      if (verdict != "ok") {
        return make_error("store " + path.string() + ": the database is corrupt (" + verdict +
                          "); refusing to start, the file was not changed");
      }
    }

    stage = "cannot set up the database";
    untouched = false;
    // A new database gets 16 KiB pages (SQLite's default is 4 KiB): a round that brings
    // thousands of entries writes a quarter as many WAL frames. Only an empty database
    // takes a page size, before WAL mode; an existing one keeps its own.
    if (objects == 0) db.exec("PRAGMA page_size = 16384");
    {
      sql::Stmt wal(db, "PRAGMA journal_mode = WAL");
      const std::string mode = wal.step() ? wal.text(0) : std::string();
      if (mode != "wal") {
        log::get("store")->warn("event=no-wal db={} journal_mode={}", path.string(), mode);
      }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA wal_autocheckpoint = " + std::to_string(std::max(options.wal_autocheckpoint_pages, 1)));
    db.exec("PRAGMA journal_size_limit = " + std::to_string(std::max<std::int64_t>(options.wal_size_limit, 0)));
    // Closing leaves the WAL to the next checkpoint instead of copying it into the
    // database first: a one-shot round (cron) ends sooner, and the WAL is as durable as
    // the database file. The next open, or the autocheckpoint, folds it in.
    const int no_ckpt = sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    if (no_ckpt != SQLITE_OK) db.fail(no_ckpt, "no checkpoint on close");
    // 8 MiB of pages. Every page a round writes stays in the cache up to its size, so a
    // larger one is memory a one-shot round touches for the first time (a page fault per
    // 4 KiB) and never reads again; duplicate checks against a million entries ran no
    // faster with 32 MiB (bench_store).
    db.exec("PRAGMA cache_size = -8192");
    db.exec("PRAGMA foreign_keys = ON");

    stage = "cannot migrate the database";
    schema::migrate(db);

    stage = "cannot prepare statements";
    auto impl = std::make_unique<Impl>(path, std::move(options), std::move(*lock), std::move(db));
    // A new database is as sound as a checked one.
    stage = "cannot record the integrity check";
    if (checking || objects == 0) impl->record_integrity_pass(now_s);
    if (impl->newest_entry_id() == 0) impl->recent.rank_from_empty();
    {
      sql::Stmt::Use any(impl->tomb_any_moved);
      impl->moved_tombstones = any->step();
    }
    impl->departures = impl->db.query_int("SELECT EXISTS (SELECT 1 FROM departures)") != 0;
    return std::make_unique<Store>(std::move(impl));
  } catch (const sql::SqlError& e) {
    return make_error(error_text(path, stage, e) +
                      (untouched ? "; refusing to start, the file was not changed"
                                 : "; refusing to start"));
  }
}

template <class T, class Together, class Alone>
std::vector<Result<T>> Store::Impl::together_or_alone(std::size_t n, Together together, Alone alone) {
  std::vector<Result<T>> out;
  out.reserve(n);
  if (n > 1) {
    try {
      sql::Transaction t(db, tx);
      begin_writes();
      for (std::size_t i = 0; i < n; ++i) out.emplace_back(together(i));
      t.commit();
      recent.committed();
      note_write_succeeded();
      return out;
    } catch (const MissingFeed&) {
      // Rolled back; alone, each item says which one.
    } catch (const sql::SqlError&) {
      // Rolled back; alone, each item reports its own error.
    }
    out.clear();
  }
  for (std::size_t i = 0; i < n; ++i) out.push_back(alone(i));
  return out;
}

// The feed with this URL, inserted if absent, inside the caller's transaction. A new row's
// state is FeedState's defaults: only a feed that was there is read back.
FeedState Store::Impl::add_feed(const std::string& url) {
  {
    sql::Stmt::Use insert(feed_insert);
    insert->bind(1, url).run();
  }
  if (sqlite3_changes(db.get()) == 1) {
    FeedState f;
    f.id = sqlite3_last_insert_rowid(db.get());
    f.url = url;
    return f;
  }
  sql::Stmt::Use select(feed_by_url);
  select->bind(1, url);
  if (!select->step()) throw MissingFeed("store: feed " + url + " vanished after insert");
  return read_feed(*select);
}

Result<FeedState> Store::ensure_feed(const std::string& url) {
  try {
    return impl_->add_feed(url);
  } catch (const Impl::MissingFeed& e) {
    return make_error(e.what());
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "cannot add feed " + url, e));
  }
}

std::vector<Result<FeedState>> Store::ensure_feeds(const std::vector<std::string>& urls) {
  // One transaction for all: a daemon may start with thousands of feeds. The feeds already
  // there come from one read of the table, a new one from its insert (add_feed): a
  // statement per new feed instead of two per feed.
  std::optional<std::unordered_map<std::string, FeedState>> known;
  return impl_->together_or_alone<FeedState>(
      urls.size(),
      [&](std::size_t i) {
        if (!known) {
          known.emplace();
          sql::Stmt::Use all(impl_->feed_all);
          while (all->step()) {
            FeedState f = read_feed(*all);
            std::string url = f.url;
            known->emplace(std::move(url), std::move(f));
          }
        }
        auto it = known->find(urls[i]);
        if (it == known->end()) it = known->emplace(urls[i], impl_->add_feed(urls[i])).first;
        return it->second;
      },
      [&](std::size_t i) { return ensure_feed(urls[i]); });
}

std::vector<FeedState> Store::feeds() {
  std::vector<FeedState> out;
  try {
    sql::Stmt::Use all(impl_->feed_all);
    while (all->step()) out.push_back(read_feed(*all));
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=feeds error=\"{}\"", e.what());
  }
  return out;
}

std::optional<FeedState> Store::feed_by_url(const std::string& url) {
  try {
    sql::Stmt::Use select(impl_->feed_by_url);
    select->bind(1, url);
    if (select->step()) return read_feed(*select);
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=feed url={} error=\"{}\"", url, e.what());
  }
  return std::nullopt;
}

// The poll's entries, then the feed's new state (completed by `settle`), inside the
// caller's transaction.
IngestResult Store::Impl::record(const FeedState& state, const feed::Feed* parsed, Instant now,
                                 const Settle& settle) {
  IngestResult result;
  if (parsed != nullptr) ingest_document(state.id, *parsed, now, result);
  if (settle) {
    FeedState settled = state;
    settle(settled, result);
    write_feed(settled);
  } else {
    write_feed(state);
  }
  return result;
}

void Store::Impl::write_feed(const FeedState& state) {
  {
    sql::Stmt::Use u(feed_update);
    u->bind(1, state.id).bind(2, state.title).bind(3, state.site_link);
    u->bind(4, state.etag).bind(5, state.last_modified);
    u->bind(6, std::int64_t{state.last_status}).bind(7, state.last_error);
    u->bind(8, std::int64_t{state.consecutive_errors});
    u->bind(9, state.last_poll).bind(10, state.last_success).bind(11, state.next_due);
    u->bind(12, state.next_due_reason).bind(13, state.disabled_reason);
    u->bind(14, state.poll_url).bind(15, state.schedule_memory);
    u->run();
  }
  if (sqlite3_changes(db.get()) != 1) {
    throw MissingFeed("store " + path.string() + ": no feed with id " + std::to_string(state.id) +
                      " (" + state.url + ")");
  }
  sql::Stmt::Use r(feed_rename);
  r->bind(1, state.id).bind(2, state.url).run();
}

// A document's entries, deduplicated by URL key, as the feed `feed_id` carried them.
void Store::Impl::ingest_document(std::int64_t feed_id, const feed::Feed& parsed, Instant now,
                                  IngestResult& result) {
  const auto& entries = parsed.entries;
  const std::size_t cap = options.max_entries_per_feed > 0 ? static_cast<std::size_t>(options.max_entries_per_feed)
                                                           : entries.size();
  std::vector<const feed::Entry*> chosen;
  chosen.reserve(std::min(entries.size(), cap));
  if (entries.size() <= cap) {
    for (const auto& entry : entries) chosen.push_back(&entry);
  } else {
    // More entries than the feed may keep: the newest `cap`, by the date each would be
    // stored with (a missing or future one is now); on a tie the earlier in the document,
    // as feeds list their newest first. Stored in document order, as always.
    std::vector<std::size_t> order(entries.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto date = [&](std::size_t i) { return trusted_published(entries[i], now).value_or(now); };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return date(a) > date(b); });
    order.resize(cap);
    std::sort(order.begin(), order.end());
    for (std::size_t i : order) chosen.push_back(&entries[i]);
    result.beyond_cap = entries.size() - cap;
  }
  std::vector<KeyChoice> keys;
  keys.reserve(chosen.size());
  for (const feed::Entry* e : chosen) keys.push_back(choose_key(feed_id, *e, options.extra_tracking_params));
  std::vector<std::string_view> document_keys;
  document_keys.reserve(keys.size());
  for (const KeyChoice& k : keys) document_keys.push_back(k.key);
  MovedLinks moved({own_newest, tomb_moved, tomb_moved_title, moved_tombstones}, feed_id, chosen, document_keys);
  for (std::size_t i = 0; i < chosen.size(); ++i) ingest(feed_id, *chosen[i], keys[i], now, moved, result);
}

void Store::Impl::note_write_succeeded() {
  if (!write_failing) return;
  write_failing = false;
  log::get("store")->info("event=write-recovered db={}", path.string());
}

Result<IngestResult> Store::commit_poll(const FeedState& state, const feed::Feed* parsed, Instant now,
                                        const Settle& settle) {
  IngestResult result;
  try {
    sql::Transaction tx(impl_->db, impl_->tx);
    impl_->begin_writes();
    result = impl_->record(state, parsed, now, settle);
    tx.commit();
    impl_->recent.committed();
  } catch (const Impl::MissingFeed& e) {
    return make_error(e.what());
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "poll of " + state.url + " not recorded", e));
  }
  impl_->note_write_succeeded();
  return result;
}

std::vector<Result<IngestResult>> Store::commit_polls(std::span<const PollRecord> polls) {
  return impl_->together_or_alone<IngestResult>(
      polls.size(),
      [&](std::size_t i) { return impl_->record(polls[i].state, polls[i].parsed, polls[i].now, polls[i].settle); },
      [&](std::size_t i) { return commit_poll(polls[i].state, polls[i].parsed, polls[i].now, polls[i].settle); });
}

// Newest by published without an index on published: an entry's published time never
// exceeds its first_seen (a future date is clamped to it), and first_seen never
// decreases with id. So every entry below id L was published at or before B, the
// first_seen of the last entry below L. Take the entries from id L up, sorted by
// published; when the limit-th of them was published at or after B, nothing older can
// outrank it (on a tie the higher id comes first) and the answer is exact. Otherwise
// widen the window (8 times) and ask again. The window starts at a few times the limit,
// which on a running daemon holds the answer at once.
// Without a feed filter, the newest kept in memory (Impl::recent) answer first when they can.
std::vector<StoredEntry> Store::newest(std::size_t limit, const std::vector<std::string>& feed_urls) {
  std::vector<StoredEntry> out;
  if (limit == 0) return out;
  try {
    sql::ReadTransaction snapshot(impl_->db, impl_->tx);
    if (feed_urls.empty()) {
      if (auto ids = impl_->recent.newest_ids(limit, impl_->newest_entry_id())) return entries_by_id(*ids);
    }
    std::int64_t lowest = 0;
    std::int64_t highest = 0;
    {
      sql::Stmt::Use range(impl_->id_range);
      if (!range->step() || range->is_null(0)) return out;
      lowest = range->integer(0);
      highest = range->integer(1);
    }
    const auto n = static_cast<std::int64_t>(limit);
    const std::string urls = feed_urls.empty() ? std::string() : codec::string_array(feed_urls);
    std::int64_t window = std::max<std::int64_t>(4 * n, 256);
    for (;;) {
      const std::int64_t from = window > highest - lowest ? lowest : highest - window + 1;
      out.clear();
      {
        sql::Stmt::Use q(feed_urls.empty() ? impl_->newest_all : impl_->newest_of_feeds);
        q->bind(1, n).bind(3, from);
        if (!feed_urls.empty()) q->bind(2, urls);
        while (q->step()) out.push_back(read_entry(*q));
      }
      if (from <= lowest) break;
      if (out.size() == limit && out.back().published) {
        sql::Stmt::Use below(impl_->first_seen_below);
        below->bind(1, from);
        if (!below->step() || out.back().published->time_since_epoch().count() >= below->integer(0)) break;
      }
      window = window > (std::int64_t{1} << 58) ? highest - lowest + 1 : window * 8;
    }
    if (feed_urls.empty()) {
      // The exact answer: memory keeps it and ranks new entries against it from now on.
      std::vector<RecentEntries::Ranked> ranked;
      ranked.reserve(out.size());
      for (const auto& e : out) ranked.push_back({e.published.value_or(e.first_seen).time_since_epoch().count(), e.id});
      impl_->recent.seed_newest(ranked, limit, highest);
    }
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=newest error=\"{}\"", e.what());
  }
  return out;
}

std::vector<StoredEntry> Store::entries_by_id(const std::vector<std::int64_t>& ids) {
  std::vector<StoredEntry> out;
  out.reserve(ids.size());
  try {
    sql::ReadTransaction snapshot(impl_->db, impl_->tx);
    for (std::int64_t id : ids) {
      sql::Stmt::Use q(impl_->entry_by_id);
      q->bind(1, id);
      if (q->step()) out.push_back(read_entry(*q));
    }
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=entries error=\"{}\"", e.what());
  }
  return out;
}

Status Store::assign_ids(std::vector<StoredEntry>& entries) {
  std::vector<StoredEntry*> open;
  for (auto& e : entries) {
    if (e.guid_is_id) continue;
    if (e.guid.empty()) {
      e.guid_is_id = false;
      continue;
    }
    open.push_back(&e);
  }
  if (open.empty()) return Ok{};
  // Stored first, claims first: the rule an older feedd applied within one document, so
  // the ids a database from before this record already showed stay as they were.
  std::sort(open.begin(), open.end(), [](const StoredEntry* a, const StoredEntry* b) { return a->id < b->id; });
  std::vector<bool> owned(open.size());
  try {
    sql::Transaction tx(impl_->db, impl_->tx);
    for (std::size_t i = 0; i < open.size(); ++i) {
      const StoredEntry& e = *open[i];
      {
        sql::Stmt::Use claim(impl_->id_claim);
        claim->bind(1, e.id).bind(2, e.guid).run();
      }
      if (sqlite3_changes(impl_->db.get()) == 1) {
        owned[i] = true;
        continue;
      }
      {
        sql::Stmt::Use defer(impl_->id_defer);
        defer->bind(1, e.id).run();
      }
      sql::Stmt::Use q(impl_->id_owned);  // decided just now, or already before
      q->bind(1, e.id);
      owned[i] = q->step() && q->integer(0) != 0;
    }
    tx.commit();
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "cannot record the merged feed's ids", e));
  }
  for (std::size_t i = 0; i < open.size(); ++i) open[i]->guid_is_id = owned[i];
  return Ok{};
}

std::vector<StoredEntry> Store::undigested(std::size_t limit) {
  std::vector<StoredEntry> out;
  try {
    sql::ReadTransaction snapshot(impl_->db, impl_->tx);
    if (auto fresh = impl_->undigested_fresh(limit)) return std::move(*fresh);
    sql::Stmt::Use q(impl_->undigested);
    q->bind(1, static_cast<std::int64_t>(limit));
    while (q->step()) out.push_back(read_entry(*q));
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=undigested error=\"{}\"", e.what());
  }
  return out;
}

Status Store::begin_digest(const std::vector<std::int64_t>& ids, const std::string& file,
                           std::uint64_t offset, Instant when) {
  try {
    sql::Transaction tx(impl_->db, impl_->tx);
    {
      sql::Stmt::Use get(impl_->digest_batch_get);
      if (get->step()) {
        return make_error("store " + impl_->path.string() + ": a digest batch for " + get->text(0) +
                          " is still pending; finish it with mark_digested first");
      }
    }
    {
      sql::Stmt::Use set(impl_->digest_batch_set);
      set->bind(1, file).bind(2, static_cast<std::int64_t>(offset)).bind(3, when).run();
    }
    std::int64_t position = 0;
    for (std::int64_t id : ids) {
      sql::Stmt::Use add(impl_->digest_pending_add);
      add->bind(1, id).bind(2, position++).run();
    }
    tx.commit();
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "cannot begin a digest batch", e));
  }
  return Ok{};
}

std::optional<DigestBatch> Store::pending_digest() {
  try {
    DigestBatch batch;
    {
      sql::Stmt::Use get(impl_->digest_batch_get);
      if (!get->step()) return std::nullopt;
      batch.file = get->text(0);
      batch.offset = static_cast<std::uint64_t>(get->integer(1));
      batch.started = get->instant(2).value_or(Instant{});
    }
    sql::Stmt::Use list(impl_->digest_pending_list);
    while (list->step()) batch.ids.push_back(list->integer(0));
    return batch;
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=pending-digest error=\"{}\"", e.what());
  }
  return std::nullopt;
}

Status Store::mark_digested(const std::vector<std::int64_t>& ids) {
  try {
    sql::Transaction tx(impl_->db, impl_->tx);
    if (!ids.empty()) {
      sql::Stmt::Use m(impl_->mark_digested);
      m->bind(1, *std::max_element(ids.begin(), ids.end())).run();
    }
    {
      sql::Stmt::Use clear(impl_->digest_pending_clear);
      clear->run();
    }
    {
      sql::Stmt::Use clear(impl_->digest_batch_clear);
      clear->run();
    }
    tx.commit();
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "cannot record digested entries", e));
  }
  return Ok{};
}

Result<IntegrityCheck> Store::check_integrity(Instant now) {
  IntegrityCheck result;
  try {
    // A connection of its own, so that the check reads the file (and the WAL) rather
    // than pages this connection keeps in its cache.
    sql::Db reader(impl_->path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    const int busy = sqlite3_busy_timeout(reader.get(), kBusyTimeoutMs);
    if (busy != SQLITE_OK) reader.fail(busy, "busy timeout");
    result.verdict = quick_check(reader);
  } catch (const sql::SqlError& e) {
    // SQLITE_CORRUPT and SQLITE_NOTADB are verdicts too; anything else is not one.
    if (e.primary() != SQLITE_CORRUPT && e.primary() != SQLITE_NOTADB) {
      return make_error(error_text(impl_->path, "cannot check the database", e));
    }
    result.verdict = e.what();
  }
  result.sound = result.verdict == "ok";
  if (!result.sound) return result;
  try {
    impl_->record_integrity_pass(now.time_since_epoch().count());
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "cannot record the integrity check", e));
  }
  return result;
}

Result<int> Store::checkpoint() {
  try {
    int frames = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(impl_->db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    // SQLITE_BUSY: another connection held what a checkpoint needs; the next one copies it.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) impl_->db.fail(rc, "checkpoint");
    return std::max(copied, 0);
  } catch (const sql::SqlError& e) {
    return make_error(error_text(impl_->path, "cannot checkpoint the WAL", e));
  }
}

Result<PruneResult> Store::prune(Instant now, std::size_t batch) {
  constexpr std::int64_t kFeedsPerCall = 200;
  constexpr std::int64_t kDay = 86400;
  PruneResult result;
  const auto limit = static_cast<std::int64_t>(batch);
  const std::int64_t now_s = now.time_since_epoch().count();
  const StoreOptions& o = impl_->options;
  try {
    sql::Transaction tx(impl_->db, impl_->tx);

    if (o.retention_days > 0) {
      // The oldest first, by id: first_seen never decreases with id.
      const std::int64_t cutoff = now_s - std::int64_t{o.retention_days} * kDay;
      std::vector<std::int64_t> aged;
      {
        sql::Stmt::Use q(impl_->entries_oldest);
        q->bind(1, limit);
        while (q->step() && q->integer(1) < cutoff) aged.push_back(q->integer(0));
      }
      for (std::int64_t id : aged) {
        if (const auto entry = impl_->identity(id)) impl_->bury(id, *entry, now);
      }
      result.entries += aged.size();
      if (static_cast<std::int64_t>(aged.size()) == limit) result.more = true;
    }

    if (o.max_entries_per_feed > 0) {
      std::vector<std::int64_t> feeds;
      {
        sql::Stmt::Use q(impl_->feeds_after);
        q->bind(1, impl_->cap_cursor).bind(2, kFeedsPerCall);
        while (q->step()) feeds.push_back(q->integer(0));
      }
      // A short list means the turn reached the last feed: start over next time.
      impl_->cap_cursor = static_cast<std::int64_t>(feeds.size()) < kFeedsPerCall ? 0 : feeds.back();
      for (std::int64_t feed_id : feeds) {
        const auto room = limit - static_cast<std::int64_t>(result.entries);
        if (room <= 0) {
          result.more = true;
          impl_->cap_cursor = feed_id - 1;
          break;
        }
        std::int64_t count = 0;
        {
          sql::Stmt::Use q(impl_->feed_link_count);
          q->bind(1, feed_id);
          if (q->step()) count = q->integer(0);
        }
        if (count <= o.max_entries_per_feed) continue;
        std::vector<std::int64_t> excess;
        {
          sql::Stmt::Use q(impl_->feed_excess);
          q->bind(1, feed_id).bind(2, std::int64_t{o.max_entries_per_feed}).bind(3, room);
          while (q->step()) excess.push_back(q->integer(0));
        }
        for (std::int64_t entry_id : excess) {
          if (impl_->unlink(entry_id, feed_id, now)) ++result.entries;
        }
        if (count - static_cast<std::int64_t>(excess.size()) > o.max_entries_per_feed) {
          result.more = true;
          impl_->cap_cursor = feed_id - 1;
          break;
        }
      }
    }

    if (o.tombstone_days > 0) {
      sql::Stmt::Use q(impl_->tomb_expire);
      q->bind(1, now_s - std::int64_t{o.tombstone_days} * kDay).bind(2, limit).run();
      result.tombstones = static_cast<std::size_t>(sqlite3_changes(impl_->db.get()));
      if (static_cast<std::int64_t>(result.tombstones) == limit) result.more = true;
      if (impl_->departures) {
        sql::Stmt::Use d(impl_->departure_expire);
        d->bind(1, now_s - std::int64_t{o.tombstone_days} * kDay).bind(2, limit).run();
        result.departures = static_cast<std::size_t>(sqlite3_changes(impl_->db.get()));
        if (static_cast<std::int64_t>(result.departures) == limit) result.more = true;
      }
    }
    tx.commit();
  } catch (const sql::SqlError& e) {
    impl_->report_write_failure(e);
    return make_error(error_text(impl_->path, "retention pass failed", e));
  }
  if (result.entries > 0 || result.tombstones > 0 || result.departures > 0) {
    log::get("store")->info("event=pruned entries={} tombstones_expired={} departures_expired={} more={}",
                            result.entries, result.tombstones, result.departures, result.more);
  }
  return result;
}

bool Store::has_tombstone(const std::string& url_or_key) {
  std::string key = url_key(url_or_key, impl_->options.extra_tracking_params);
  if (key.empty()) key = url_or_key;
  try {
    sql::Stmt::Use q(impl_->tomb_find);
    q->bind(1, key);
    return q->step();
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=tombstone error=\"{}\"", e.what());
  }
  return false;
}

std::vector<FeedStats> Store::feed_stats() {
  std::vector<FeedStats> out;
  try {
    sql::Stmt::Use q(impl_->stats);
    while (q->step()) {
      out.push_back({q->integer(0), static_cast<std::size_t>(q->integer(1)), q->instant(2)});
    }
  } catch (const sql::SqlError& e) {
    log::get("store")->error("event=read-failed what=feed-stats error=\"{}\"", e.what());
  }
  return out;
}

}  // namespace feedd::store
