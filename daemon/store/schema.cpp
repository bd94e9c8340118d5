#include "store/schema.hpp"

#include <array>
#include <span>
#include <string_view>

namespace feedd::store::schema {
namespace {

// Version 1: feeds with their polling state, entries keyed by URL key, the feeds that
// carried each entry, and the digest's record (entries.digested_at).
// Times are Unix seconds (UTC). entries.published is never NULL: a missing or future
// date is replaced by first_seen and date_clamped says so.
// entries.first_feed names the feed that first carried the entry (no foreign key: a feed
// removed later leaves the entry, whose source then reads as unknown).
constexpr std::array<std::string_view, 9> kV1{
    R"sql(CREATE TABLE feeds (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL DEFAULT '',
  site_link TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  consecutive_errors INTEGER NOT NULL DEFAULT 0,
  last_poll INTEGER,
  last_success INTEGER,
  next_due INTEGER,
  next_due_reason TEXT NOT NULL DEFAULT '',
  disabled_reason TEXT NOT NULL DEFAULT ''
))sql",
    R"sql(CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  url_key TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  guid TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  content TEXT NOT NULL,
  published INTEGER NOT NULL,
  updated INTEGER,
  first_seen INTEGER NOT NULL,
  date_clamped INTEGER NOT NULL DEFAULT 0,
  content_hash INTEGER NOT NULL,
  extra TEXT,
  first_feed INTEGER,
  digested_at INTEGER
))sql",
    // newest(): the merged feed, newest first.
    "CREATE INDEX entries_by_published ON entries(published, id)",
    // undigested(): only the entries not yet written, so it stays small.
    "CREATE INDEX entries_undigested ON entries(id) WHERE digested_at IS NULL",
    R"sql(CREATE TABLE entry_feeds (
  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (entry_id, feed_id)
) WITHOUT ROWID)sql",
    // newest() for some feeds, `feedd feeds` entry counts, the per-feed retention cap.
    "CREATE INDEX entry_feeds_by_feed ON entry_feeds(feed_id, entry_id)",
    // feeds by next due time, for the scheduler at start.
    "CREATE INDEX feeds_by_next_due ON feeds(next_due)",
    "CREATE INDEX entries_by_first_seen ON entries(first_seen)",
    "PRAGMA user_version = 1",
};

// Version 2: tombstones for entries removed by retention, so an old article that shows up
// again is not new again (last_seen moves while a feed still carries it, and the
// tombstone expires a while after that); and the digest's pending batch, which makes the
// digest exactly-once across a crash between appending lines and recording them
// (see Store::begin_digest).
constexpr std::array<std::string_view, 5> kV2{
    R"sql(CREATE TABLE tombstones (
  url_key TEXT PRIMARY KEY,
  pruned_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) WITHOUT ROWID)sql",
    "CREATE INDEX tombstones_by_last_seen ON tombstones(last_seen)",
    R"sql(CREATE TABLE digest_batch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  file TEXT NOT NULL,
  offset INTEGER NOT NULL,
  started_at INTEGER NOT NULL
))sql",
    R"sql(CREATE TABLE digest_pending (
  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  position INTEGER NOT NULL
))sql",
    "PRAGMA user_version = 2",
};

// Version 3: entries_by_published goes. Its inserts landed all over the index (feeds
// publish out of order), costing a random page write per new entry; newest() reads
// through entries_by_first_seen instead, which only ever grows at its end (see
// Store::newest for why that is exact: published never exceeds first_seen).
constexpr std::array<std::string_view, 2> kV3{
    "DROP INDEX entries_by_published",
    "PRAGMA user_version = 3",
};

// Version 4: feeds_by_next_due goes. No query uses it (the scheduler reads every feed at
// start and keeps its own heap), and every poll moved the feed's entry in it.
constexpr std::array<std::string_view, 2> kV4{
    "DROP INDEX feeds_by_next_due",
    "PRAGMA user_version = 4",
};

// Version 5: where a feed is polled when a confirmed permanent redirect moved it (the
// config's URL, feeds.url, stays the feed's identity; '' = poll feeds.url), and what the
// scheduler remembers between polls (schedule_memory: a JSON object owned by app/poll.cpp,
// read leniently; '' = nothing yet).
constexpr std::array<std::string_view, 3> kV5{
    "ALTER TABLE feeds ADD COLUMN poll_url TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE feeds ADD COLUMN schedule_memory TEXT NOT NULL DEFAULT ''",
    "PRAGMA user_version = 5",
};

// Version 6: two indexes every new entry paid for go; entry ids carry their order.
// - first_seen never decreases with id (the store clamps it to the last entry's; here the
//   rows of earlier versions are brought in line), so id order is first-seen order:
//   newest() and retention walk ids, and entries_by_first_seen goes.
// - The digest's record becomes one number, digest_cursor.through: every entry up to it
//   is written. The digest takes entries in id order and the store never hands out an id
//   at or below it, so entries_undigested and entries.digested_at go. The cursor starts
//   below the first entry not yet written (one of a pending batch is settled by its
//   batch).
constexpr std::array<std::string_view, 7> kV6{
    "DROP INDEX entries_by_first_seen",
    "DROP INDEX entries_undigested",
    R"sql(UPDATE entries SET first_seen = m.running FROM
  (SELECT id, max(first_seen) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS running FROM entries) AS m
  WHERE m.id = entries.id AND entries.first_seen < m.running)sql",
    R"sql(CREATE TABLE digest_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through INTEGER NOT NULL
))sql",
    R"sql(INSERT INTO digest_cursor(id, through) VALUES(1, coalesce(
  (SELECT min(id) - 1 FROM entries WHERE digested_at IS NULL
     AND id NOT IN (SELECT entry_id FROM digest_pending)),
  (SELECT max(id) FROM entries),
  0)))sql",
    "ALTER TABLE entries DROP COLUMN digested_at",
    "PRAGMA user_version = 6",
};

// Version 7: the feed that first carried an entry is its link: entries.first_feed, found
// per feed through entries_by_feed; entry_feeds keeps only the other feeds that carried
// it. A new entry pays for one index instead of both directions of a link row.
constexpr std::array<std::string_view, 3> kV7{
    "CREATE INDEX entries_by_feed ON entries(first_feed, id)",
    R"sql(DELETE FROM entry_feeds WHERE EXISTS
  (SELECT 1 FROM entries e WHERE e.id = entry_feeds.entry_id AND e.first_feed = entry_feeds.feed_id))sql",
    "PRAGMA user_version = 7",
};

// Version 8: when the database last passed PRAGMA quick_check (Unix seconds; 0: never).
// The check reads the whole file, so a one-shot round (cron) runs it only when the last
// one is a day old (StoreOptions::integrity_check_interval); Store::open records it.
constexpr std::array<std::string_view, 3> kV8{
    R"sql(CREATE TABLE integrity_check (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  passed_at INTEGER NOT NULL
))sql",
    "INSERT INTO integrity_check(id, passed_at) VALUES(1, 0)",
    "PRAGMA user_version = 8",
};

// Version 9: the id each entry shows in the merged feeds, fixed the first time it is
// rendered (Store::assign_ids): its own guid when no entry took that guid before it (the
// unique index makes the claim store-wide), else its tag: id (guid NULL). Only rendered
// entries have a row, so storing a new entry costs nothing more.
constexpr std::array<std::string_view, 2> kV9{
    R"sql(CREATE TABLE merged_ids (
  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  guid TEXT UNIQUE
))sql",
    "PRAGMA user_version = 9",
};

// Version 10: what a tombstone keeps of its entry to be found when the entry's link moves
// (moved_links.hpp): a hash of feed, guid and title, and the date from the feed (NULL when
// the store chose it) and content hash. All NULL for an entry without guid or title, and
// for tombstones made before.
constexpr std::array<std::string_view, 5> kV10{
    "ALTER TABLE tombstones ADD COLUMN moved_key TEXT",
    "ALTER TABLE tombstones ADD COLUMN moved_published INTEGER",
    "ALTER TABLE tombstones ADD COLUMN moved_content_hash INTEGER",
    "CREATE INDEX tombstones_by_moved_key ON tombstones(moved_key) WHERE moved_key IS NOT NULL",
    "PRAGMA user_version = 10",
};

// Version 11: a second moved key, of the feed and title alone, for an entry whose guid may
// move with its link (none, or a URL): the title rule finds its tombstone by it.
constexpr std::array<std::string_view, 3> kV11{
    "ALTER TABLE tombstones ADD COLUMN moved_title_key TEXT",
    "CREATE INDEX tombstones_by_moved_title_key ON tombstones(moved_title_key) WHERE moved_title_key IS NOT NULL",
    "PRAGMA user_version = 11",
};

// Version 12: departures. A feed's cap may drop an entry that another feed keeps, and an
// entry retention removes may have been carried by feeds besides its first: neither leaves
// the feed a tombstone of its own, and a tombstone's moved keys are its first feed's. A
// departure is what such a feed keeps to find the entry again when the feed's link to it
// moves: the entry's key, and its moved keys with this feed, date from the feed and
// content hash (as tombstones have them). It lasts as long as a tombstone, from when the
// feed last brought the entry. No foreign key: the entry may be gone, its tombstone
// answering for it.
constexpr std::array<std::string_view, 5> kV12{
    R"sql(CREATE TABLE departures (
  feed_id INTEGER NOT NULL,
  url_key TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  moved_key TEXT,
  moved_title_key TEXT,
  moved_published INTEGER,
  moved_content_hash INTEGER NOT NULL,
  PRIMARY KEY (feed_id, url_key)
) WITHOUT ROWID)sql",
    "CREATE INDEX departures_by_moved_key ON departures(moved_key) WHERE moved_key IS NOT NULL",
    "CREATE INDEX departures_by_moved_title_key ON departures(moved_title_key) WHERE moved_title_key IS NOT NULL",
    "CREATE INDEX departures_by_last_seen ON departures(last_seen)",
    "PRAGMA user_version = 12",
};

struct Migration {
  int version;
  std::span<const std::string_view> statements;
};

constexpr std::array<Migration, 12> kMigrations{{
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
    {5, kV5},
    {6, kV6},
    {7, kV7},
    {8, kV8},
    {9, kV9},
    {10, kV10},
    {11, kV11},
    {12, kV12},
}};

static_assert(kMigrations.back().version == kCurrentVersion);

}  // namespace

int version(sql::Db& db) { return static_cast<int>(db.query_int("PRAGMA user_version")); }

void migrate(sql::Db& db, int target) {
  const int from = version(db);
  if (from >= target) return;
  // Every step in one transaction: a database is at its old version or at the new one,
  // never in between, and a new database is made in one commit instead of one per step.
  sql::TransactionStatements tx_statements(db);
  sql::Transaction tx(db, tx_statements);
  for (const Migration& m : kMigrations) {
    if (m.version > target) break;
    if (m.version <= from) continue;
    for (std::string_view statement : m.statements) db.exec(statement);
  }
  tx.commit();
}

}  // namespace feedd::store::schema
