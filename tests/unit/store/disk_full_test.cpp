// Disk full: the database lives on a small tmpfs the test mounts. When it fills up, the
// poll's transaction rolls back and commit_poll says so; nothing committed is lost; when
// space returns, the same poll goes through.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <sys/mount.h>

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

class SmallTmpfs {
 public:
  SmallTmpfs(const std::filesystem::path& at, const char* size) : path_(at) {
    std::filesystem::create_directories(path_);
    const std::string options = std::string("size=") + size + ",mode=0700";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
  std::string error_;
};

feed::Feed big_poll(int round) {
  feed::Feed doc;
  for (int i = 0; i < 10; ++i) {
    auto e = entry("https://example.com/r" + std::to_string(round) + "/" + std::to_string(i));
    e.content = std::string(6000, static_cast<char>('a' + (round + i) % 26));
    doc.entries.push_back(e);
  }
  return doc;
}

// A 1.5 MiB filesystem holding the database and 400 KiB of filler, which the test removes
// to make space "return".
struct SmallDisk {
  TempDir dir;
  SmallTmpfs fs{dir / "mnt", "1536k"};
  std::filesystem::path db = dir / "mnt" / "feedd.db";
  std::filesystem::path filler = dir / "mnt" / "filler";

  // False (having said why) where this machine cannot mount one: that needs CAP_SYS_ADMIN.
  bool ready() {
    if (!fs.mounted()) {
      MESSAGE("tmpfs mount not permitted here (" << fs.error() << "); disk-full test not run");
      return false;
    }
    std::ofstream out(filler, std::ios::binary);
    out << std::string(400 * 1024, 'f');
    return true;
  }
};

std::int64_t count_entries(const std::filesystem::path& db) {
  sql::Db check(db, SQLITE_OPEN_READONLY);
  return check.query_int("SELECT count(*) FROM entries");
}

// PRAGMA integrity_check finds nothing wrong.
void check_integrity(const std::filesystem::path& db) {
  sql::Db check(db, SQLITE_OPEN_READONLY);
  sql::Stmt integrity(check, "PRAGMA integrity_check");
  REQUIRE(integrity.step());
  CHECK(integrity.text(0) == "ok");
}

}  // namespace

TEST_CASE("when the disk fills up the poll rolls back, the store keeps working and recovers when space returns") {
  SmallDisk disk;
  if (!disk.ready()) return;
  const auto& db = disk.db;
  auto opened = Store::open(db);
  REQUIRE(opened.ok());
  auto& store = **opened;
  auto f = store.ensure_feed("https://example.com/feed");
  REQUIRE(f.ok());

  int committed = 0;
  std::string failure;
  for (int round = 0; round < 1000; ++round) {
    const auto doc = big_poll(round);
    auto r = store.commit_poll(*f, &doc, at(2));
    if (!r.ok()) {
      failure = r.error().message;
      break;
    }
    ++committed;
  }
  REQUIRE_MESSAGE(!failure.empty(), "the filesystem never filled up");
  CAPTURE(failure);
  CHECK(failure.find(db.string()) != std::string::npos);
  CHECK(failure.find("full") != std::string::npos);
  REQUIRE(committed > 0);

  // Still working for reads, every committed poll intact, nothing of the failed one.
  CHECK(store.newest(100000).size() == static_cast<std::size_t>(committed) * 10);
  // A retry while still full fails again, cleanly.
  {
    const auto doc = big_poll(committed);
    CHECK_FALSE(store.commit_poll(*f, &doc, at(2)).ok());
  }

  std::filesystem::remove(disk.filler);  // space returns

  const auto doc = big_poll(committed);
  auto retry = store.commit_poll(*f, &doc, at(3));
  REQUIRE_MESSAGE(retry.ok(), (retry.ok() ? "" : retry.error().message));
  CHECK(retry->new_entries.size() == 10);
  opened = make_error("closed");
  CHECK(count_entries(db) == static_cast<std::int64_t>(committed + 1) * 10);
  check_integrity(db);
}

TEST_CASE("when the disk fills up during a batch of polls, each poll is kept or failed whole") {
  SmallDisk disk;
  if (!disk.ready()) return;
  const auto& db = disk.db;
  auto opened = Store::open(db);
  REQUIRE(opened.ok());
  auto& store = **opened;
  std::vector<FeedState> feeds;
  for (int i = 0; i < 3; ++i) {
    auto f = store.ensure_feed("https://example.com/feed" + std::to_string(i));
    REQUIRE(f.ok());
    feeds.push_back(*f);
  }

  // Batches of three polls (one per feed) until one of them cannot be recorded.
  std::size_t stored = 0;
  std::vector<feed::Feed> failed_docs;
  std::vector<FeedState> failed_feeds;
  for (int round = 0; round < 1000 && failed_docs.empty(); ++round) {
    std::vector<feed::Feed> docs;
    for (int i = 0; i < 3; ++i) docs.push_back(big_poll(round * 3 + i));
    std::vector<PollRecord> polls;
    for (int i = 0; i < 3; ++i) polls.push_back({feeds[static_cast<std::size_t>(i)], &docs[static_cast<std::size_t>(i)], at(2)});
    const auto results = store.commit_polls(polls);
    REQUIRE(results.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      if (results[i].ok()) {
        CHECK(results[i]->new_entries.size() == 10);
        stored += 10;
      } else {
        CHECK(results[i].error().message.find("full") != std::string::npos);
        failed_docs.push_back(docs[i]);
        failed_feeds.push_back(feeds[i]);
      }
    }
  }
  REQUIRE_MESSAGE(!failed_docs.empty(), "the filesystem never filled up");
  // Every poll that said it was stored is, whole; none of the failed ones is, in part.
  CHECK(store.newest(100000).size() == stored);

  std::filesystem::remove(disk.filler);  // space returns: the failed polls go through
  std::vector<PollRecord> retry;
  for (std::size_t i = 0; i < failed_docs.size(); ++i) retry.push_back({failed_feeds[i], &failed_docs[i], at(3)});
  for (const auto& r : store.commit_polls(retry)) {
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(r->new_entries.size() == 10);
    stored += 10;
  }
  CHECK(store.newest(100000).size() == stored);
  opened = make_error("closed");
  check_integrity(db);
}
