#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "output/digest.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using feedd::Instant;
using feedd::output::Digest;
using feedd::output::digest_line;
using feedd::store::StoredEntry;

namespace {

// Runs the test in UTC so local days and clocks are predictable.
struct UtcZone {
  UtcZone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

StoredEntry entry(std::int64_t id, std::string title, Instant seen) {
  StoredEntry e;
  e.id = id;
  e.title = std::move(title);
  e.url = "https://news.example.org/" + std::to_string(id);
  e.feed_title = "The Moscow Times";
  e.first_seen = seen;
  return e;
}

const Instant kDay1{std::chrono::seconds{1740668640}};  // 2025-02-27T15:04:00Z

}  // namespace

TEST_CASE("a digest line is time, feed, title and URL separated by two spaces") {
  UtcZone utc;
  auto e = entry(1, "Officials Meet in Istanbul", kDay1);
  CHECK(digest_line(e) == "15:04  The Moscow Times  Officials Meet in Istanbul  https://news.example.org/1");
}

TEST_CASE("newlines and control characters in feed text cannot break a digest line") {
  UtcZone utc;
  auto e = entry(1, "Line one\nLine two\r\n\tand\x01 more   spaces", kDay1);
  e.feed_title = "\n";
  CHECK(digest_line(e) == "15:04  -  Line one Line two and more spaces  https://news.example.org/1");
}

TEST_CASE("spaces at the ends of a field go, and a run of them inside becomes one") {
  UtcZone utc;
  auto e = entry(1, "  lead, one space, two  spaces \u2028 and a break\t ", kDay1);
  e.feed_title = " x ";
  e.url = "a \u0085b";
  CHECK(digest_line(e) == "15:04  x  lead, one space, two spaces and a break  a b");
}

TEST_CASE("Unicode line separators and C1 controls cannot break a digest line either") {
  UtcZone utc;
  // U+2028, U+2029, NEL (U+0085) and another C1 control; é and — stay.
  auto e = entry(1, "one\u2028two\u2029three\u0085four\u009b five \u00e9\u2014", kDay1);
  CHECK(digest_line(e) == "15:04  The Moscow Times  one two three four five \u00e9\u2014  https://news.example.org/1");
}

TEST_CASE("the digest appends under a header and points today at the current day") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path() / "digest");
  REQUIRE(digest.append({entry(1, "One", kDay1), entry(2, "Two", kDay1)}, kDay1).ok());
  REQUIRE(digest.append({entry(3, "Three", kDay1)}, kDay1).ok());
  const auto text = feedd::test::read_file(dir.path() / "digest" / "2025-02-27.txt");
  CHECK(text ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  One  https://news.example.org/1\n"
        "15:04  The Moscow Times  Two  https://news.example.org/2\n"
        "15:04  The Moscow Times  Three  https://news.example.org/3\n");
  CHECK(std::filesystem::read_symlink(dir.path() / "digest" / "today") == "2025-02-27.txt");
}

TEST_CASE("an entry appended again after a crash is not written twice") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  REQUIRE(digest.append({entry(1, "One", kDay1)}, kDay1).ok());
  // The store did not record the append (a crash): the same batch comes again, plus a new one.
  REQUIRE(digest.append({entry(1, "One", kDay1), entry(2, "Two", kDay1)}, kDay1).ok());
  const auto text = feedd::test::read_file(dir.path() / "2025-02-27.txt");
  CHECK(text ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  One  https://news.example.org/1\n"
        "15:04  The Moscow Times  Two  https://news.example.org/2\n");
}

TEST_CASE("once the store recorded an append, a later entry with the same line is written too") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  // Two feeds with one name, each with an entry without a link and with the same guid and
  // title: two entries, one line.
  auto first = entry(1, "Weather", kDay1);
  first.url.clear();
  first.guid = "weather";
  auto second = first;
  second.id = 2;
  REQUIRE(digest.append({first}, kDay1).ok());
  digest.recorded();
  REQUIRE(digest.append({second}, kDay1).ok());
  digest.recorded();
  CHECK(feedd::test::read_file(dir.path() / "2025-02-27.txt") ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  Weather  weather\n"
        "15:04  The Moscow Times  Weather  weather\n");
}

TEST_CASE("a recorded file that changed size since is read back before the next append") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  REQUIRE(digest.append({entry(1, "One", kDay1)}, kDay1).ok());
  digest.recorded();
  // The file grew by other hands since the record: entry 2's line, as a crashed run leaves it.
  {
    std::ofstream out(dir.path() / "2025-02-27.txt", std::ios::app);
    out << "15:04  The Moscow Times  Two  https://news.example.org/2\n";
  }
  REQUIRE(digest.append({entry(2, "Two", kDay1), entry(3, "Three", kDay1)}, kDay1).ok());
  CHECK(feedd::test::read_file(dir.path() / "2025-02-27.txt") ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  One  https://news.example.org/1\n"
        "15:04  The Moscow Times  Two  https://news.example.org/2\n"
        "15:04  The Moscow Times  Three  https://news.example.org/3\n");
}

TEST_CASE("at midnight today moves to the new day's file, which opens with its header") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  REQUIRE(digest.append({entry(1, "One", kDay1)}, kDay1).ok());
  const Instant next_day = kDay1 + std::chrono::hours(9);  // 2025-02-28T00:04:00Z
  REQUIRE(digest.update_today(next_day).ok());
  CHECK(std::filesystem::read_symlink(dir.path() / "today") == "2025-02-28.txt");
  CHECK(feedd::test::read_file(dir.path() / "today") == "# feedd digest 2025-02-28\n");
}
