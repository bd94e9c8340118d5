// Crash safety at the store level: a child process commits polls in a loop and is killed
// with SIGKILL at random moments; after each kill the database must pass
// PRAGMA integrity_check, hold every entry of every poll the child saw committed, and
// take the next poll.

#include <cerrno>
#include <csignal>
#include <random>
#include <string>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

constexpr int kEntriesPerPoll = 25;

// Entries of poll `round` in life `life`: new ones, plus a few from the round before
// (duplicates) and one whose content changes every round (an update).
feed::Feed poll_document(int life, int round) {
  feed::Feed doc;
  for (int i = 0; i < kEntriesPerPoll; ++i) {
    auto e = entry("https://example.com/l" + std::to_string(life) + "/r" + std::to_string(round) +
                   "/e" + std::to_string(i));
    e.content = std::string(200 + i * 40, 'c');
    doc.entries.push_back(e);
  }
  if (round > 0) {
    doc.entries.push_back(entry("https://example.com/l" + std::to_string(life) + "/r" +
                                std::to_string(round - 1) + "/e0"));
  }
  auto changing = entry("https://example.com/changing", "Changing");
  changing.content = "version " + std::to_string(life * 100000 + round);
  doc.entries.push_back(changing);
  return doc;
}

[[noreturn]] void child_main(const std::filesystem::path& db, int life, int report_fd) {
  StoreOptions options;
  options.check_integrity_on_open = false;
  options.retention_days = 0;
  options.max_entries_per_feed = 200;  // prune() does real work now and then
  auto opened = Store::open(db, options);
  if (!opened.ok()) _exit(3);
  auto& store = **opened;
  // The digest protocol's start step: a batch the previous life began is finished first.
  if (auto pending = store.pending_digest()) {
    if (!store.mark_digested(pending->ids).ok()) _exit(10);
  }
  auto f = store.ensure_feed("https://example.com/feed-" + std::to_string(life % 3));
  if (!f.ok()) _exit(4);
  for (int round = 0;; ++round) {
    const feed::Feed doc = poll_document(life, round);
    FeedState state = *f;
    state.etag = "\"" + std::to_string(round) + "\"";
    state.last_status = 200;
    auto r = store.commit_poll(state, &doc, at(2) + std::chrono::seconds(round));
    if (!r.ok()) _exit(5);
    // Committed: tell the parent. A kill before this line only hides a committed poll.
    const auto written = ::write(report_fd, &round, sizeof round);
    if (written != sizeof round) _exit(6);
    if (round % 7 == 0) {
      if (!store.prune(at(2), 50).ok()) _exit(7);
    }
    if (round % 5 == 0) {
      std::vector<std::int64_t> ids;
      for (const auto& e : store.undigested(30)) ids.push_back(e.id);
      if (!store.begin_digest(ids, "digest.txt", 0, at(2)).ok()) _exit(8);
      if (!store.mark_digested(ids).ok()) _exit(9);
    }
  }
}

}  // namespace

TEST_CASE("a process killed at random moments while committing leaves a sound database with every committed poll") {
  TempDir dir;
  const auto db = dir / "feedd.db";
  std::mt19937 rng(20250301);
  std::uniform_int_distribution<int> delay_us(500, 30000);
  int kills = 0;
  int rounds_checked = 0;
  { REQUIRE(Store::open(db).ok()); }  // created once; a kill during creation is another test

  for (int life = 0; life < 60; ++life) {
    CAPTURE(life);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_main(db, life, fds[1]);
    }
    ::close(fds[1]);
    std::vector<int> committed;
    if (life % 2 == 0) {
      // Half the lives are killed in the middle of committing: after the first poll is
      // in, at a random moment. The others at a random moment from the start, opening
      // included.
      int first = 0;
      if (::read(fds[0], &first, sizeof first) == sizeof first) committed.push_back(first);
    }
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    // Killed by us, not exited on an error of its own.
    REQUIRE_MESSAGE(WIFSIGNALED(status), "child exited with status " << WEXITSTATUS(status));
    ++kills;

    int round = 0;
    while (::read(fds[0], &round, sizeof round) == sizeof round) committed.push_back(round);
    ::close(fds[0]);

    {
      sql::Db check(db, SQLITE_OPEN_READWRITE);
      sql::Stmt integrity(check, "PRAGMA integrity_check");
      REQUIRE(integrity.step());
      CHECK(integrity.text(0) == "ok");
      integrity.reset();
      sql::Stmt present(check, "SELECT count(*) FROM entries e LEFT JOIN tombstones t "
                               "ON t.url_key = ?1 WHERE e.url_key = ?1 OR t.url_key = ?1");
      for (int r : committed) {
        const feed::Feed doc = poll_document(life, r);
        for (int i = 0; i < kEntriesPerPoll; ++i) {
          const std::string key = entry_key(0, doc.entries[static_cast<std::size_t>(i)]);
          sql::Stmt::Use use(present);
          use->bind(1, key);
          REQUIRE(use->step());
          // Stored, or pruned by the cap and remembered by a tombstone: never lost.
          CHECK(use->integer(0) >= 1);
        }
        ++rounds_checked;
      }
    }

    // The next poll completes.
    StoreOptions options;
    options.retention_days = 0;
    options.max_entries_per_feed = 200;
    auto reopened = Store::open(db, options);
    REQUIRE_MESSAGE(reopened.ok(), (reopened.ok() ? "" : reopened.error().message));
    auto f = (*reopened)->ensure_feed("https://example.com/after-crash");
    REQUIRE(f.ok());
    const auto doc = feed_of({entry("https://example.com/after/" + std::to_string(life))});
    auto r = (*reopened)->commit_poll(*f, &doc, at(3));
    REQUIRE(r.ok());
    CHECK(r->new_entries.size() == 1);
  }
  CHECK(kills >= 50);
  MESSAGE("kills=" << kills << " committed polls checked=" << rounds_checked);
  CHECK(rounds_checked > 0);
}
