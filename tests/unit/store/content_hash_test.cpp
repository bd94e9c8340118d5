#include <sqlite3.h>
#include <xxhash.h>

#include <bit>
#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include "store/content_hash.hpp"
#include "unit/store/store_fixture.hpp"

using namespace feedd;
using namespace feedd::store;
using namespace feedd::store::test;

namespace {

feed::Entry pinned() {
  feed::Entry e;
  e.title = "Title";
  e.summary = "<p>summary</p>";
  e.authors = {{"Ann", "ann@example.org", ""}};
  e.categories = {"tech"};
  e.enclosures = {{"https://example.org/a.mp3", "audio/mpeg", 1234}};
  return e;
}

// The bytes both hashes read for pinned(): each field closed by 0xFF, an empty field
// after the authors and after the categories.
const std::string kPinnedBytes(
    "Title\xff<p>summary</p>\xff\xff"
    "Ann\xff"
    "ann@example.org\xff\xff\xff"
    "tech\xff\xff"
    "https://example.org/a.mp3\xff"
    "audio/mpeg\xff"
    "1234\xff");

std::int64_t stored_hash(const std::filesystem::path& db, const std::string& url) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT content_hash FROM entries WHERE url = ?1", -1, &q, nullptr) == SQLITE_OK);
  sqlite3_bind_text(q, 1, url.c_str(), -1, SQLITE_TRANSIENT);
  const std::int64_t value = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  sqlite3_close(raw);
  return value;
}

void set_stored_hash(const std::filesystem::path& db, const std::string& url, std::int64_t value) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "UPDATE entries SET content_hash = ?2 WHERE url = ?1", -1, &q, nullptr) ==
          SQLITE_OK);
  sqlite3_bind_text(q, 1, url.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(q, 2, value);
  CHECK(sqlite3_step(q) == SQLITE_DONE);
  CHECK(sqlite3_changes(raw) == 1);
  sqlite3_finalize(q);
  sqlite3_close(raw);
}

}  // namespace

TEST_CASE("the content hash is XXH3 of the fields as documented, and the legacy one FNV-1a of the same bytes") {
  const feed::Entry e = pinned();
  CHECK(content_hash(e) ==
        std::bit_cast<std::int64_t>(static_cast<std::uint64_t>(XXH3_64bits(kPinnedBytes.data(), kPinnedBytes.size()))));
  // As feedd before XXH3 stored it (computed apart from the code under test).
  CHECK(legacy_content_hash(e) == -5369349188400310225LL);
}

TEST_CASE("every hashed field changes the content hash, and so does moving a byte between fields") {
  const feed::Entry base = pinned();
  const std::int64_t h = content_hash(base);
  auto changed = [&](auto mutate) {
    feed::Entry e = base;
    mutate(e);
    return content_hash(e) != h;
  };
  CHECK(changed([](feed::Entry& e) { e.title += "!"; }));
  CHECK(changed([](feed::Entry& e) { e.summary.clear(); }));
  CHECK(changed([](feed::Entry& e) { e.content = "body"; }));
  CHECK(changed([](feed::Entry& e) { e.authors[0].uri = "https://ann.example"; }));
  CHECK(changed([](feed::Entry& e) { e.authors.clear(); }));
  CHECK(changed([](feed::Entry& e) { e.categories.push_back("more"); }));
  CHECK(changed([](feed::Entry& e) { e.enclosures[0].length = 1235; }));
  CHECK(changed([](feed::Entry& e) { e.enclosures[0].length.reset(); }));
  CHECK(changed([](feed::Entry& e) {
    e.title = "Titl";
    e.summary = "e<p>summary</p>";
  }));
  // A category and an author's field are told apart by the empty field between them.
  CHECK(changed([](feed::Entry& e) {
    e.authors.clear();
    e.categories = {"Ann", "ann@example.org", "", "tech"};
  }));
  // Not hashed: the link, the id and the dates, which a feed may rewrite without changing the article.
  CHECK_FALSE(changed([](feed::Entry& e) { e.link = "https://example.org/moved"; }));
  CHECK_FALSE(changed([](feed::Entry& e) { e.published = at(3); }));
}

TEST_CASE("an entry stored with the legacy hash is unchanged when it comes again, and keeps the current hash") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto e = entry("https://example.com/1", "One");
  e.categories = {"news"};
  fx.poll(f, feed_of({e}));
  // As a feedd before XXH3 left it.
  fx.store.reset();
  set_stored_hash(fx.db_path, e.link, legacy_content_hash(e));
  fx.reopen();

  const auto again = fx.poll(f, feed_of({e}), at(3));
  CHECK(again.duplicates == 1);
  CHECK(again.updated == 0);
  CHECK(stored_hash(fx.db_path, e.link) == content_hash(e));
  CHECK(fx.store->entries_by_id({1}).at(0).updated == std::nullopt);

  // A real change is still one.
  e.title = "One, corrected";
  const auto changed = fx.poll(f, feed_of({e}), at(4));
  CHECK(changed.updated == 1);
  CHECK(stored_hash(fx.db_path, e.link) == content_hash(e));
}

TEST_CASE("an entry stored with the legacy hash and changed since is updated") {
  StoreFixture fx;
  const FeedState f = fx.feed("https://example.com/feed");
  auto e = entry("https://example.com/1", "One");
  fx.poll(f, feed_of({e}));
  fx.store.reset();
  set_stored_hash(fx.db_path, e.link, legacy_content_hash(e));
  fx.reopen();
  e.summary = "<p>rewritten</p>";
  const auto changed = fx.poll(f, feed_of({e}), at(3));
  CHECK(changed.updated == 1);
  CHECK(changed.duplicates == 0);
  CHECK(stored_hash(fx.db_path, e.link) == content_hash(e));
  CHECK(fx.store->entries_by_id({1}).at(0).summary == "<p>rewritten</p>");
}
