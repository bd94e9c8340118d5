// A writer killed with SIGKILL in the middle of replacing the merged feed leaves the old
// file or the new one, complete, never a mixture or a truncated document.

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <pugixml.hpp>

#include "output/atomic_file.hpp"
#include "output/merged_feed.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

// A merged feed of `n` entries with long bodies: big enough that a write takes a while.
std::string big_feed(int n, const std::string& marker) {
  std::vector<feedd::store::StoredEntry> entries;
  for (int i = 0; i < n; ++i) {
    feedd::store::StoredEntry e;
    e.id = i + 1;
    e.url = "https://news.example.org/" + marker + "/" + std::to_string(i);
    e.url_key = e.url;
    e.title = marker + " entry " + std::to_string(i);
    e.content = "<p>" + std::string(4000, 'x') + " &amp; " + marker + "</p>";
    e.first_seen = feedd::Instant{std::chrono::seconds{1740668640 - i * 60}};
    e.feed_url = "https://news.example.org/rss";
    entries.push_back(std::move(e));
  }
  return feedd::output::render_atom(entries, {});
}

std::size_t temporaries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    n += item.path().filename().string().rfind(".feed.atom.", 0) == 0 ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_CASE("SIGKILL while the merged feed is rewritten leaves the old or the new file, whole") {
  feedd::test::TempDir dir{"feedd-kill"};
  const auto path = dir.file("feed.atom");
  const std::string old_doc = big_feed(400, "old");  // about 1.7 MB each
  const std::string new_doc = big_feed(400, "new");
  REQUIRE(feedd::output::write_atomically(path, old_doc).ok());

  std::mt19937 random(20250227);
  int saw_old = 0;
  int saw_new = 0;
  int killed_mid_write = 0;  // a temporary file was left: the kill landed inside a write
  // At least this many kills; more (up to kMaxKills) while none has landed inside a write
  // yet: on a loaded machine an fsync after the rename can take most of the time.
  constexpr int kKills = 40;
  constexpr int kMaxKills = 400;
  int kills = 0;
  for (int round = 0; round < kMaxKills && (round < kKills || killed_mid_write == 0); ++round) {
    ++kills;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The writer: replaces the file with each document in turn until it is killed.
      try {
        for (;;) {
          (void)feedd::output::write_atomically(path, new_doc);
          (void)feedd::output::write_atomically(path, old_doc);
        }
      } catch (...) {
      }
      ::_exit(1);
    }
    // Later kills wait longer: when the disk is busy (the whole suite running, or a
    // sanitizer's slower writer), each write's closing fsyncs can outlast a short wait.
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + random() % (30000 + 1000 * round)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));

    const std::string now = feedd::test::read_file(path);
    const bool is_old = now == old_doc;
    const bool is_new = now == new_doc;
    INFO("round " << round << ": " << now.size() << " bytes");
    REQUIRE((is_old || is_new));
    pugi::xml_document doc;
    CHECK(doc.load_string(now.c_str()));
    saw_old += is_old ? 1 : 0;
    saw_new += is_new ? 1 : 0;
    const std::size_t left = temporaries(dir.path());
    killed_mid_write += left > 0 ? 1 : 0;
    // Age the leftovers so the sweep below treats them as a dead writer's.
    for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
      if (item.path() != path) {
        std::filesystem::last_write_time(item.path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
      }
    }
    CHECK(feedd::output::remove_stale_temporaries(dir.path()) == left);
    CHECK(temporaries(dir.path()) == 0);
  }
  MESSAGE("old " << saw_old << ", new " << saw_new << ", killed mid-write " << killed_mid_write);
  CHECK(saw_old + saw_new == kills);
  CHECK(killed_mid_write > 0);  // the kills did land inside writes, not only between them
}

TEST_CASE("a fresh temporary file, as a writer at work has, is not swept away") {
  feedd::test::TempDir dir;
  dir.write(".feed.atom.Ab12Cd", "partial");
  dir.write(".hidden-notes", "mine");
  CHECK(feedd::output::remove_stale_temporaries(dir.path()) == 0);
  CHECK(std::filesystem::exists(dir.file(".feed.atom.Ab12Cd")));
  std::filesystem::last_write_time(dir.file(".feed.atom.Ab12Cd"),
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
  std::filesystem::last_write_time(dir.file(".hidden-notes"),
                                   std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5));
  CHECK(feedd::output::remove_stale_temporaries(dir.path()) == 1);
  CHECK(std::filesystem::exists(dir.file(".hidden-notes")));
}
