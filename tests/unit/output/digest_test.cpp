#include <doctest/doctest.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
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

namespace {

// While it lives, no file of this process may grow past `bytes`: a write that would is cut
// short, and the next one fails (EFBIG), as on a disk that filled up in mid-append.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // the error, not the signal's default exit
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace

TEST_CASE("an append the disk cut short leaves the file as it was, and the next one writes every line") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  const auto path = dir.path() / "2025-02-27.txt";
  REQUIRE(digest.append({entry(1, "One", kDay1)}, kDay1).ok());
  digest.recorded();
  const auto size = std::filesystem::file_size(path);
  {
    FileSizeLimit full(size + 20);  // room for part of the next line only
    const auto failed = digest.append({entry(2, "Two", kDay1), entry(3, "Three", kDay1)}, kDay1);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message.find(path.string() + ": write: ") == 0);
  }
  CHECK(std::filesystem::file_size(path) == size);
  // The store recorded nothing: the same entries come again once there is room.
  REQUIRE(digest.append({entry(2, "Two", kDay1), entry(3, "Three", kDay1)}, kDay1).ok());
  CHECK(feedd::test::read_file(path) ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  One  https://news.example.org/1\n"
        "15:04  The Moscow Times  Two  https://news.example.org/2\n"
        "15:04  The Moscow Times  Three  https://news.example.org/3\n");
}

TEST_CASE("the start of a line a crash left unfinished is cut off before the next append") {
  UtcZone utc;
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  const auto path = dir.path() / "2025-02-27.txt";
  REQUIRE(digest.append({entry(1, "One", kDay1)}, kDay1).ok());
  std::string unfinished;
  SUBCASE("part of a line") { unfinished = "15:04  The Moscow Ti"; }
  SUBCASE("a whole line but its newline") { unfinished = "15:04  The Moscow Times  Two  https://news.example.org/2"; }
  SUBCASE("a line longer than one read back") { unfinished = "15:04  " + std::string(10000, 'x'); }
  {
    std::ofstream out(path, std::ios::app);
    out << unfinished;
  }
  REQUIRE(digest.append({entry(2, "Two", kDay1)}, kDay1).ok());
  CHECK(feedd::test::read_file(path) ==
        "# feedd digest 2025-02-27\n"
        "15:04  The Moscow Times  One  https://news.example.org/1\n"
        "15:04  The Moscow Times  Two  https://news.example.org/2\n");
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
