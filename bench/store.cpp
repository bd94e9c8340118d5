// bench_store: the store's two hot paths at the scale of a large installation.
//   1. 1,000,000 new entries across 10,000 feeds, committed as polls (one transaction
//      per poll, as the daemon does);
//   2. the same 1,000,000 offered again: all duplicates.
// Two poll sizes: the target's shape, where each feed's first poll brings its 100
// entries, then polls of 20 (five per feed), where the cost of a transaction weighs more.
// Prints new entries/s, duplicate checks/s and database bytes per entry; beside them,
// raw SQLite doing the least a URL-deduplicating store could do (INSERT OR IGNORE of the
// URL into a table with a unique column, same transaction sizes), as the floor.
//
// Usage: bench_store [DIR] [ENTRIES] [PER_POLL...]
//   DIR: where the databases go (default: a temp dir); ENTRIES: default 1,000,000;
//   PER_POLL: entries per poll, one run each; default ENTRIES / 10,000, then 20.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <ctime>

#include <sqlite3.h>

#include "common/log.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using feedd::Instant;
namespace fs = std::filesystem;

constexpr int kFeeds = 10'000;
int kPerPoll = 20;  // entries per poll in the shape being run

// One poll of one feed: entries as a parser would hand them over, links with tracking
// parameters, a summary of a few hundred bytes, an author and two categories. Polls
// happen in time order, a second apart, and a poll's entries were published in the
// hours before it, as on a running daemon.
Instant poll_time(int feed, int poll, Instant base) {
  return base + std::chrono::seconds(poll * kFeeds + feed);
}

feedd::feed::Feed make_poll(int feed, int poll, Instant base) {
  const Instant polled = poll_time(feed, poll, base);
  feedd::feed::Feed doc;
  doc.title = "Feed " + std::to_string(feed);
  doc.entries.reserve(kPerPoll);
  for (int i = 0; i < kPerPoll; ++i) {
    const int n = poll * kPerPoll + i;
    feedd::feed::Entry e;
    e.link = "https://site" + std::to_string(feed) + ".example.com/2025/03/article-number-" +
             std::to_string(n) + "-about-something?utm_source=rss&utm_medium=feed";
    e.id = "https://site" + std::to_string(feed) + ".example.com/?p=" + std::to_string(n);
    e.title = "Article " + std::to_string(n) + " of feed " + std::to_string(feed) +
              ": a title of ordinary length";
    e.summary = "<p>" + std::string(280, static_cast<char>('a' + n % 26)) + "</p>";
    e.published = polled - std::chrono::minutes(kPerPoll - i);
    e.authors.push_back({"Author " + std::to_string(feed % 97), "", ""});
    e.categories = {"news", "topic-" + std::to_string(n % 13)};
    doc.entries.push_back(std::move(e));
  }
  return doc;
}

std::uintmax_t db_bytes(const fs::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto n = fs::file_size(db.string() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

// Bytes this process has passed to write(2) so far.
std::uintmax_t written_bytes() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return 0;
  char key[64];
  unsigned long long value = 0;
  std::uintmax_t out = 0;
  while (std::fscanf(f, "%63s %llu", key, &value) == 2) {
    if (std::string(key) == "wchar:") out = value;
  }
  std::fclose(f);
  return out;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Pass {
  double cpu = 0;
  std::uintmax_t written = 0;
  double seconds = 0;
  std::size_t new_entries = 0;
  std::size_t duplicates = 0;
};

Pass run_store_pass(feedd::store::Store& store, const std::vector<feedd::store::FeedState>& feeds,
                    int polls_per_feed, Instant base) {
  Pass pass;
  Clock::duration busy{};
  const auto w0 = written_bytes();
  for (int poll = 0; poll < polls_per_feed; ++poll) {
    for (int feed = 0; feed < kFeeds; ++feed) {
      const auto doc = make_poll(feed, poll, base);
      auto state = feeds[static_cast<std::size_t>(feed)];
      state.last_status = 200;
      const auto start = Clock::now();
      const double c0 = cpu_seconds();
      auto r = store.commit_poll(state, &doc, poll_time(feed, poll, base));
      pass.cpu += cpu_seconds() - c0;
      busy += Clock::now() - start;
      if (!r.ok()) {
        std::fprintf(stderr, "bench_store: %s\n", r.error().message.c_str());
        std::exit(1);
      }
      pass.new_entries += r->new_entries.size();
      pass.duplicates += r->duplicates;
    }
  }
  pass.seconds = std::chrono::duration<double>(busy).count();
  pass.written = written_bytes() - w0;
  return pass;
}

// The floor: one unique-URL table, INSERT OR IGNORE, one transaction per poll. Through
// the store's own thin RAII wrappers, which add nothing but a reset per statement.
Pass run_raw_pass(feedd::store::sql::Db& db, int polls_per_feed, Instant base) {
  using feedd::store::sql::Stmt;
  Stmt insert(db, "INSERT OR IGNORE INTO seen(url) VALUES(?1)");
  feedd::store::sql::TransactionStatements tx_statements(db);
  Pass pass;
  Clock::duration busy{};
  for (int poll = 0; poll < polls_per_feed; ++poll) {
    for (int feed = 0; feed < kFeeds; ++feed) {
      const auto doc = make_poll(feed, poll, base);
      const auto start = Clock::now();
      const double c0 = cpu_seconds();
      feedd::store::sql::Transaction tx(db, tx_statements);
      for (const auto& e : doc.entries) {
        Stmt::Use use(insert);
        use->bind(1, e.link).run();
        if (sqlite3_changes(db.get()) > 0) {
          ++pass.new_entries;
        } else {
          ++pass.duplicates;
        }
      }
      tx.commit();
      pass.cpu += cpu_seconds() - c0;
      busy += Clock::now() - start;
    }
  }
  pass.seconds = std::chrono::duration<double>(busy).count();
  return pass;
}


struct Shape {
  Pass insert;
  Pass again;
  Pass raw_insert;
  Pass raw_again;
  std::uintmax_t bytes = 0;
};

// One shape: ENTRIES across kFeeds feeds in polls of kPerPoll, into feedd's store and
// into the raw floor, each in a fresh database. Returns false (having said why) on error.
bool run_shape(const fs::path& dir, int polls_per_feed, Shape& out) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Instant base = feedd::now_utc();

  const fs::path db_path = dir / "store.db";
  auto opened = feedd::store::Store::open(db_path, feedd::store::StoreOptions{});
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_store: %s\n", opened.error().message.c_str());
    return false;
  }
  auto& store = **opened;
  std::vector<feedd::store::FeedState> feeds;
  feeds.reserve(kFeeds);
  for (int f = 0; f < kFeeds; ++f) {
    auto state = store.ensure_feed("https://site" + std::to_string(f) + ".example.com/feed.xml");
    if (!state.ok()) return false;
    feeds.push_back(*state);
  }
  out.insert = run_store_pass(store, feeds, polls_per_feed, base);
  out.again = run_store_pass(store, feeds, polls_per_feed, base);
  opened = feedd::make_error("closed");
  try {
    // The store leaves its WAL at close; fold it in so the size is the database's own.
    feedd::store::sql::Db db(db_path, SQLITE_OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const feedd::store::sql::SqlError& e) {
    std::fprintf(stderr, "bench_store: checkpoint: %s\n", e.what());
    return false;
  }
  out.bytes = db_bytes(db_path);

  try {
    feedd::store::sql::Db raw(dir / "raw.db", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.exec("PRAGMA journal_mode = WAL");
    raw.exec("PRAGMA synchronous = NORMAL");
    raw.exec("CREATE TABLE seen(url TEXT NOT NULL UNIQUE)");
    out.raw_insert = run_raw_pass(raw, polls_per_feed, base);
    out.raw_again = run_raw_pass(raw, polls_per_feed, base);
  } catch (const feedd::store::sql::SqlError& e) {
    std::fprintf(stderr, "bench_store: raw SQLite: %s\n", e.what());
    return false;
  }
  fs::remove_all(dir);
  return true;
}

void print_shape(const Shape& r, long total) {
  std::printf("\n%ld entries, %d feeds, %d entries per poll (one transaction each)\n", total, kFeeds,
              kPerPoll);
  std::printf("%-40s %14s %14s %12s\n", "", "new entries/s", "duplicates/s", "bytes/entry");
  std::printf("%-40s %14.0f %14.0f %12.0f\n", "feedd store, wall clock",
              r.insert.new_entries / r.insert.seconds, r.again.duplicates / r.again.seconds,
              static_cast<double>(r.bytes) / static_cast<double>(r.insert.new_entries));
  std::printf("%-40s %14.0f %14.0f\n", "feedd store, per CPU second",
              r.insert.new_entries / r.insert.cpu, r.again.duplicates / r.again.cpu);
  std::printf("%-40s %14.0f %14.0f\n", "raw SQLite unique-URL floor, wall clock",
              r.raw_insert.new_entries / r.raw_insert.seconds, r.raw_again.duplicates / r.raw_again.seconds);
  std::printf("%-40s %14.0f %14.0f\n", "raw SQLite unique-URL floor, per CPU s",
              r.raw_insert.new_entries / r.raw_insert.cpu, r.raw_again.duplicates / r.raw_again.cpu);
  std::printf("feedd store: %.0f bytes written per new entry (WAL and checkpoints)\n",
              static_cast<double>(r.insert.written) / static_cast<double>(total));
}

}  // namespace

int main(int argc, char** argv) {
  feedd::log::setup("warn");
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "feedd-bench-store";
  const long entries = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 1'000'000;
  // The target's shape first: every feed's first poll brings its whole history (100
  // entries when 1,000,000 are spread over 10,000 feeds); then a smaller poll.
  std::vector<int> shapes;
  for (int i = 3; i < argc; ++i) shapes.push_back(static_cast<int>(std::strtol(argv[i], nullptr, 10)));
  if (shapes.empty()) shapes = {static_cast<int>(entries / kFeeds), 20};

  std::printf("bench_store: feedd's store against raw SQLite, %d feeds\n", kFeeds);
  for (int per_poll : shapes) {
    if (per_poll < 1) {
      std::fprintf(stderr, "bench_store: PER_POLL must be at least 1\n");
      return 2;
    }
    kPerPoll = per_poll;
    const int polls_per_feed = static_cast<int>(entries / (kFeeds * kPerPoll));
    if (polls_per_feed < 1) {
      std::fprintf(stderr, "bench_store: ENTRIES must be at least %d for %d per poll\n",
                   kFeeds * kPerPoll, kPerPoll);
      return 2;
    }
    const long total = static_cast<long>(polls_per_feed) * kFeeds * kPerPoll;
    Shape r;
    if (!run_shape(dir, polls_per_feed, r)) return 1;
    print_shape(r, total);
    // On a shared machine wall clock includes waiting for a core; CPU time does not.
    if (r.insert.new_entries != static_cast<std::size_t>(total) ||
        r.again.duplicates != static_cast<std::size_t>(total) || r.again.new_entries != 0) {
      std::fprintf(stderr, "bench_store: wrong counts: new=%zu then new=%zu duplicates=%zu\n",
                   r.insert.new_entries, r.again.new_entries, r.again.duplicates);
      return 1;
    }
  }
  return 0;
}
