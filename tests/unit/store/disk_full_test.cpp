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

std::int64_t count_entries(const std::filesystem::path& db) {
  sql::Db check(db, SQLITE_OPEN_READONLY);
  return check.query_int("SELECT count(*) FROM entries");
}

}  // namespace

TEST_CASE("when the disk fills up the poll rolls back, the store keeps working and recovers when space returns") {
  TempDir dir;
  SmallTmpfs fs(dir / "mnt", "1536k");
  if (!fs.mounted()) {
    // Mounting needs CAP_SYS_ADMIN; without it this machine cannot make a small filesystem.
    MESSAGE("tmpfs mount not permitted here (" << fs.error() << "); disk-full test not run");
    return;
  }
  const auto db = dir / "mnt" / "feedd.db";
  const auto filler = dir / "mnt" / "filler";
  {
    // Space that will "return" later.
    std::ofstream out(filler, std::ios::binary);
    out << std::string(400 * 1024, 'f');
  }
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

  std::filesystem::remove(filler);  // space returns

  const auto doc = big_poll(committed);
  auto retry = store.commit_poll(*f, &doc, at(3));
  REQUIRE_MESSAGE(retry.ok(), (retry.ok() ? "" : retry.error().message));
  CHECK(retry->new_entries.size() == 10);
  opened = make_error("closed");
  CHECK(count_entries(db) == static_cast<std::int64_t>(committed + 1) * 10);
  sql::Db check(db, SQLITE_OPEN_READONLY);
  sql::Stmt integrity(check, "PRAGMA integrity_check");
  REQUIRE(integrity.step());
  CHECK(integrity.text(0) == "ok");
}
