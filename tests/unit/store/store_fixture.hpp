#pragma once
// Helpers for store tests: a store in a temp dir, entries and feeds built in one line.

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "store/store.hpp"
#include "unit/store/temp_dir.hpp"

namespace feedd::store::test {

inline Instant at(int day, int hour = 12) {
  using namespace std::chrono;
  return sys_days{year{2025} / 3 / day} + hours{hour};
}

// An entry of `link`, dated day 1. Without a title, its title names its link: entries of
// different links are different articles, as the store tells them (a shared title and date
// would make one article whose link moved: moved_links.hpp).
inline feed::Entry entry(std::string link, std::string title, std::string id = "") {
  feed::Entry e;
  e.link = std::move(link);
  e.title = std::move(title);
  e.id = id.empty() ? e.link : std::move(id);
  e.summary = "<p>summary of " + e.title + "</p>";
  e.published = at(1);
  return e;
}

inline feed::Entry entry(const std::string& link) { return entry(link, "Story at " + link); }

struct StoreFixture {
  TempDir dir;
  std::filesystem::path db_path = dir / "feedd.db";
  std::unique_ptr<Store> store;

  StoreFixture() { reopen(); }

  void reopen(StoreOptions options = {}) {
    store.reset();
    auto opened = Store::open(db_path, std::move(options));
    REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
    store = std::move(*opened);
  }

  FeedState feed(const std::string& url) {
    auto f = store->ensure_feed(url);
    REQUIRE(f.ok());
    return *f;
  }

  IngestResult poll(const FeedState& state, const feed::Feed& parsed, Instant now = at(2)) {
    auto r = store->commit_poll(state, &parsed, now);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return *r;
  }
};

// Runs SQL on the database through a connection of its own, as another program would.
inline void exec_outside(const std::filesystem::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  char* error = nullptr;
  const int rc = sqlite3_exec(raw, sql, nullptr, nullptr, &error);
  CHECK_MESSAGE(rc == SQLITE_OK, (error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(raw);
}

inline feed::Feed feed_of(std::initializer_list<feed::Entry> entries) {
  feed::Feed f;
  f.format = "atom10";
  f.title = "A feed";
  f.entries = entries;
  return f;
}

}  // namespace feedd::store::test
