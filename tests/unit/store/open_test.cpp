// Opening: refusing what cannot be trusted (and never touching it), and migrations.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>

#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The refusal names the file, says what SQLite said, and leaves the file as it was.
void check_refused(const std::filesystem::path& path, const std::string& expected_cause,
                   StoreOptions options = {}) {
  const std::string before = read_bytes(path);
  auto opened = Store::open(path, std::move(options));
  REQUIRE_FALSE(opened.ok());
  const std::string& message = opened.error().message;
  CAPTURE(message);
  CHECK(message.find(path.string()) != std::string::npos);
  CHECK(message.find(expected_cause) != std::string::npos);
  CHECK(message.find("refusing to start") != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(read_bytes(path) == before);
  CHECK_FALSE(std::filesystem::exists(path.string() + "-wal"));
}

// The store leaves its WAL at close; fold it into the file, as the next checkpoint would.
void fold_wal(const std::filesystem::path& path) {
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::string schema_of(const std::filesystem::path& path) {
  sql::Db db(path, SQLITE_OPEN_READONLY);
  sql::Stmt q(db, "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema "
                  "ORDER BY type, name");
  std::string out;
  while (q.step()) out += q.text(0) + "\n";
  return out;
}

// A database with 400 entries of one feed, its WAL folded in: more than 20 pages of 4 KiB.
void make_database(const std::filesystem::path& path) {
  {
    auto opened = Store::open(path);
    REQUIRE(opened.ok());
    auto f = (*opened)->ensure_feed("https://example.com/feed");
    REQUIRE(f.ok());
    feed::Feed doc;
    for (int i = 0; i < 400; ++i) {
      auto e = entry("https://example.com/" + std::to_string(i));
      e.content = std::string(300, 'x');
      doc.entries.push_back(e);
    }
    REQUIRE((*opened)->commit_poll(*f, &doc, at(2)).ok());
  }
  fold_wal(path);
  REQUIRE(read_bytes(path).size() > 20 * 4096);
}

// Overwrites 16 KiB in the middle of the file with a pattern no page holds.
void corrupt_pages(const std::filesystem::path& path) {
  std::string bytes = read_bytes(path);
  for (std::size_t i = 8 * 4096; i < 12 * 4096; ++i) bytes[i] = static_cast<char>(0xA5);
  write_bytes(path, bytes);
}

// When the database last passed the integrity check, as recorded in it.
std::int64_t passed_at(const std::filesystem::path& path) {
  sql::Db db(path, SQLITE_OPEN_READONLY);
  return db.query_int("SELECT passed_at FROM integrity_check");
}

void set_passed_at(const std::filesystem::path& path, std::int64_t when) {
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  sql::Stmt set(db, "UPDATE integrity_check SET passed_at = ?1");
  set.bind(1, when).run();
}

std::int64_t now_s() { return now_utc().time_since_epoch().count(); }

}  // namespace

TEST_CASE("a file that is not a database is refused with SQLite's error and left untouched") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  std::string junk;
  for (int i = 0; i < 200; ++i) junk += "this is a text file, not a database\n";
  write_bytes(path, junk);
  check_refused(path, "file is not a database");
}

TEST_CASE("a database with corrupt pages is refused and left untouched") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  make_database(path);
  corrupt_pages(path);
  check_refused(path, "corrupt");
}

TEST_CASE("the integrity check runs at every open, or with an interval once the last pass is that old") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  const auto open_with = [&](std::chrono::seconds interval) {
    StoreOptions options;
    options.integrity_check_interval = interval;
    auto opened = Store::open(path, options);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  };
  const std::int64_t hour = 3600;

  // A new database counts as checked when it is made.
  open_with(std::chrono::hours(24));
  CHECK(std::abs(passed_at(path) - now_s()) <= 5);

  SUBCASE("an hour after the last pass, a daily check does not run") {
    set_passed_at(path, now_s() - hour);
    const std::int64_t before = passed_at(path);
    open_with(std::chrono::hours(24));
    CHECK(passed_at(path) == before);
  }
  SUBCASE("a day after the last pass, it runs and is recorded") {
    set_passed_at(path, now_s() - 25 * hour);
    open_with(std::chrono::hours(24));
    CHECK(std::abs(passed_at(path) - now_s()) <= 5);
  }
  SUBCASE("a pass dated after now (the clock stepped back) does not put the check off") {
    set_passed_at(path, now_s() + 10 * hour);
    open_with(std::chrono::hours(24));
    CHECK(std::abs(passed_at(path) - now_s()) <= 5);
  }
  SUBCASE("with no interval it runs at every open") {
    set_passed_at(path, now_s() - 60);
    open_with(std::chrono::seconds(0));
    CHECK(std::abs(passed_at(path) - now_s()) <= 5);
  }
}

TEST_CASE("a corrupt database whose last check is a day old is refused by a daily check") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  make_database(path);
  set_passed_at(path, now_s() - 25 * 3600);
  corrupt_pages(path);
  StoreOptions daily;
  daily.integrity_check_interval = std::chrono::hours(24);
  check_refused(path, "corrupt", daily);
}

TEST_CASE("check_integrity reads the file as it is on disk, and records only a pass") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  make_database(path);
  auto opened = Store::open(path);
  REQUIRE(opened.ok());
  Store& store = **opened;

  const Instant first(std::chrono::seconds(now_s() - 60));
  auto checked = store.check_integrity(first);
  REQUIRE(checked.ok());
  CHECK(checked->sound);
  CHECK(checked->verdict == "ok");
  CHECK(passed_at(path) == first.time_since_epoch().count());

  // The store's own connection has these pages in its cache since its open's check: a
  // check through it would not see the damage.
  corrupt_pages(path);
  checked = store.check_integrity(Instant(std::chrono::seconds(now_s())));
  REQUIRE(checked.ok());
  CHECK_FALSE(checked->sound);
  CHECK(checked->verdict != "ok");
  CHECK(!checked->verdict.empty());
  CHECK(checked->verdict.find('\n') == std::string::npos);
}

TEST_CASE("a truncated database is refused and left untouched") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  make_database(path);
  const std::string bytes = read_bytes(path);
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  check_refused(path, "refusing");
}

TEST_CASE("a database written by a newer feedd is refused and left untouched") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  { REQUIRE(Store::open(path).ok()); }
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    db.exec("PRAGMA user_version = 999");
  }
  check_refused(path, "schema version 999 is newer");
}

TEST_CASE("an SQLite database of another program is refused and left untouched") {
  TempDir dir;
  const auto path = dir / "other.db";
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
    db.exec("INSERT INTO notes(body) VALUES('keep me')");
  }
  check_refused(path, "did not create");
}

TEST_CASE("a database path that is a directory is refused with the path named") {
  TempDir dir;
  std::filesystem::create_directory(dir / "feedd.db");
  auto opened = Store::open(dir / "feedd.db");
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find((dir / "feedd.db").string()) != std::string::npos);
}

TEST_CASE("a database in a directory that does not exist is an error naming the path") {
  TempDir dir;
  const auto path = dir / "missing" / "feedd.db";
  auto opened = Store::open(path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find(path.string()) != std::string::npos);
  CHECK(opened.error().message.find("No such file or directory") != std::string::npos);
}

TEST_CASE("a new database is created at the current schema version in WAL mode") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  { REQUIRE(Store::open(path).ok()); }
  sql::Db db(path, SQLITE_OPEN_READWRITE);
  CHECK(schema::version(db) == schema::kCurrentVersion);
  sql::Stmt mode(db, "PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.text(0) == "wal");
}

TEST_CASE("a new database gets 16 KiB pages, and an existing one keeps its page size") {
  TempDir dir;
  const auto page_size = [](const std::filesystem::path& path) {
    sql::Db db(path, SQLITE_OPEN_READONLY);
    return db.query_int("PRAGMA page_size");
  };
  const auto fresh = dir / "fresh.db";
  { REQUIRE(Store::open(fresh).ok()); }
  CHECK(page_size(fresh) == 16384);

  // As an earlier feedd made it: SQLite's default page size, entries in it.
  const auto old = dir / "old.db";
  {
    sql::Db db(old, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA page_size = 4096");
    schema::migrate(db, 5);
  }
  {
    auto opened = Store::open(old);
    REQUIRE(opened.ok());
    auto& store = **opened;
    (void)store.ensure_feed("https://example.com/feed");
  }
  fold_wal(old);
  CHECK(page_size(old) == 4096);
}

TEST_CASE("a migration that fails leaves the database at its old version, unchanged") {
  TempDir dir;
  const auto path = dir / "v4.db";
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    schema::migrate(db, 4);
    // Damaged by hand: version 6 drops this index, and cannot when it is gone.
    db.exec("DROP INDEX entries_by_first_seen");
  }
  const std::string before = schema_of(path);
  auto opened = Store::open(path);
  REQUIRE_FALSE(opened.ok());
  CAPTURE(opened.error().message);
  CHECK(opened.error().message.find("entries_by_first_seen") != std::string::npos);
  fold_wal(path);
  sql::Db db(path, SQLITE_OPEN_READONLY);
  CHECK(schema::version(db) == 4);  // not 5: version 5 went back with the failure of 6
  CHECK(schema_of(path) == before);
}

TEST_CASE("a database at every earlier schema version migrates to the current one, data kept") {
  TempDir dir;
  const auto fresh = dir / "fresh.db";
  { REQUIRE(Store::open(fresh).ok()); }
  const std::string current_schema = schema_of(fresh);

  for (int from = 0; from < schema::kCurrentVersion; ++from) {
    CAPTURE(from);
    const auto path = dir / ("v" + std::to_string(from) + ".db");
    {
      sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      schema::migrate(db, from);
      REQUIRE(schema::version(db) == from);
      if (from >= 1) {
        // As a release at version `from` left it: one feed, one entry, its link.
        db.exec("INSERT INTO feeds(id, url, etag) VALUES(1, 'https://example.com/feed', '\"v1\"')");
        db.exec("INSERT INTO entries(id, url_key, url, guid, title, summary, content, published, "
                "first_seen, content_hash, first_feed) VALUES(1, '//example.com/old', "
                "'https://example.com/old', 'g1', 'Old', '', '', 1740000000, 1740000000, 0, 1)");
        db.exec("INSERT INTO entry_feeds(entry_id, feed_id, first_seen) VALUES(1, 1, 1740000000)");
      }
    }
    auto opened = Store::open(path);
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    auto& store = **opened;
    {
      sql::Db db(path, SQLITE_OPEN_READONLY);
      CHECK(schema::version(db) == schema::kCurrentVersion);
    }
    if (from >= 1) {
      const auto feed = store.feed_by_url("https://example.com/feed");
      REQUIRE(feed.has_value());
      CHECK(feed->etag == "\"v1\"");
      CHECK(feed->poll_url.empty());
      CHECK(feed->schedule_memory.empty());
      const auto newest = store.newest(10);
      REQUIRE(newest.size() == 1);
      CHECK(newest[0].title == "Old");
      CHECK(newest[0].feed_url == "https://example.com/feed");
      // Its id in the merged feed is fixed at its first render after the migration.
      auto shown = newest;
      REQUIRE(store.assign_ids(shown).ok());
      CHECK(shown[0].guid_is_id == std::optional<bool>(true));
      // The migrated entry still deduplicates.
      auto r = store.commit_poll(*feed, nullptr, at(2));
      REQUIRE(r.ok());
      const auto doc = feed_of({entry("http://example.com/old?utm_source=x", "Old")});
      auto again = store.commit_poll(*feed, &doc, at(3));
      REQUIRE(again.ok());
      CHECK(again->new_entries.empty());
    }
    opened = make_error("closed");
    CHECK(schema_of(path) == current_schema);
  }
}

TEST_CASE("migrating twice changes nothing") {
  TempDir dir;
  const auto path = dir / "feedd.db";
  { REQUIRE(Store::open(path).ok()); }
  const std::string once = schema_of(path);
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE);
    schema::migrate(db);
  }
  { REQUIRE(Store::open(path).ok()); }
  CHECK(schema_of(path) == once);
}

TEST_CASE("version 6 keeps the digest's record as a cursor and puts first_seen in id order") {
  TempDir dir;
  const auto path = dir / "v5.db";
  {
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    schema::migrate(db, 5);
    db.exec("INSERT INTO feeds(id, url) VALUES(1, 'https://example.com/feed')");
    // Entries 1-3 written to the digest, 4 in a pending batch, 5 and 6 not yet; entry 3
    // was first seen after a wall clock stepped back.
    const char* rows[] = {
        "(1, '//example.com/1', 1000, 1000, 1)", "(2, '//example.com/2', 1000, 2000, 1)",
        "(3, '//example.com/3', 1000, 1500, 1)", "(4, '//example.com/4', 1000, 3000, NULL)",
        "(5, '//example.com/5', 1000, 3000, NULL)", "(6, '//example.com/6', 1000, 2500, NULL)"};
    for (const char* row : rows) {
      db.exec(std::string("INSERT INTO entries(id, url_key, published, first_seen, digested_at, url, "
                          "guid, title, summary, content, content_hash, first_feed) SELECT column1, "
                          "column2, column3, column4, column5, 'u', 'g', 't', '', '', 0, 1 FROM (VALUES ") +
              row + ")");
    }
    db.exec("INSERT INTO digest_batch(id, file, offset, started_at) VALUES(1, 'digest/x.txt', 10, 3000)");
    db.exec("INSERT INTO digest_pending(entry_id, position) VALUES(4, 0)");
  }
  auto opened = Store::open(path);
  REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  auto& store = **opened;
  // The pending batch is still there; after it, only 5 and 6 remain to be written.
  const auto pending = store.pending_digest();
  REQUIRE(pending.has_value());
  CHECK(pending->ids == std::vector<std::int64_t>{4});
  auto rest = store.undigested(10);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].id == 5);
  CHECK(rest[1].id == 6);
  REQUIRE(store.mark_digested(pending->ids).ok());
  CHECK(store.undigested(10).size() == 2);
  // first_seen never decreases with id: entry 3 takes entry 2's, entry 6 entry 5's.
  const auto all = store.entries_by_id({1, 2, 3, 4, 5, 6});
  REQUIRE(all.size() == 6);
  const std::int64_t expected[] = {1000, 2000, 2000, 3000, 3000, 3000};
  for (std::size_t i = 0; i < all.size(); ++i) {
    CAPTURE(i);
    CHECK(all[i].first_seen.time_since_epoch().count() == expected[i]);
  }
  // A new entry goes above them all, and the cursor never hands out an old id again.
  const auto feed = store.feed_by_url("https://example.com/feed");
  REQUIRE(feed.has_value());
  const auto doc = feed_of({entry("https://example.com/7")});
  auto r = store.commit_poll(*feed, &doc, Instant{std::chrono::seconds(2900)});
  REQUIRE(r.ok());
  REQUIRE(r->new_entries.size() == 1);
  CHECK(r->new_entries[0] == 7);
  CHECK(store.entries_by_id({7})[0].first_seen.time_since_epoch().count() == 3000);
}

TEST_CASE("an entry id is never handed out again at or below what the digest has written") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  const auto first = fx.poll(f, feed_of({entry("https://example.com/1"), entry("https://example.com/2")}));
  REQUIRE(first.new_entries.size() == 2);
  auto pending = fx.store->undigested(10);
  std::vector<std::int64_t> ids;
  for (const auto& e : pending) ids.push_back(e.id);
  REQUIRE(fx.store->mark_digested(ids).ok());
  // The newest entry goes (as the per-feed cap may take it); the next one is still new
  // to the digest.
  {
    sql::Db db(fx.db_path, SQLITE_OPEN_READWRITE);
    db.exec("DELETE FROM entries WHERE id = " + std::to_string(first.new_entries[1]));
  }
  const auto second = fx.poll(f, feed_of({entry("https://example.com/3")}), at(3));
  REQUIRE(second.new_entries.size() == 1);
  CHECK(second.new_entries[0] > first.new_entries[1]);
  const auto now_pending = fx.store->undigested(10);
  REQUIRE(now_pending.size() == 1);
  CHECK(now_pending[0].url == "https://example.com/3");
}

TEST_CASE("closing leaves the WAL to the next checkpoint, and a reopen reads through it") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  fx.poll(f, feed_of({entry("https://example.com/1", "One")}));
  fx.store.reset();
  std::error_code ec;
  CHECK(std::filesystem::file_size(fx.db_path.string() + "-wal", ec) > 0);
  CHECK_FALSE(ec);
  fx.reopen();
  const auto all = fx.store->newest(10);
  REQUIRE(all.size() == 1);
  CHECK(all[0].title == "One");
}

TEST_CASE("a database another store holds open is refused, and free again once it closes") {
  StoreFixture fx;
  auto second = Store::open(fx.db_path);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message.find(fx.db_path.string()) != std::string::npos);
  CHECK(second.error().message.find("another feedd process is using it") != std::string::npos);
  fx.store.reset();
  auto third = Store::open(fx.db_path);
  CHECK(third.ok());
}
