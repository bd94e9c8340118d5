// Polls that end together are committed together: many feeds answering at once, a stop
// while polls are ending, and a commit that waits, with the real feedd binary.

#include <doctest/doctest.h>

#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <regex>
#include <thread>

#include <sqlite3.h>

#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

using feedd::test::occurrences;
using namespace std::chrono_literals;

namespace {

constexpr int kFeeds = 40;
const std::string kShared = "https://shared.example/2025/02/27/story";

std::string path_of(int feed) { return "/f" + std::to_string(feed) + ".rss"; }

std::string entry_url(int feed, int entry) {
  return "https://f" + std::to_string(feed) + ".example/story/" + std::to_string(entry);
}

// Feed `feed`: `entries` entries of its own (each with `padding` bytes of text), then the
// article every feed carries.
std::string feed_body(int feed, int entries, std::size_t padding = 0) {
  std::string xml = "<rss version=\"2.0\"><channel><title>Feed " + std::to_string(feed) + "</title><link>https://f" +
                    std::to_string(feed) + ".example/</link><description>d</description>";
  for (int i = 0; i < entries; ++i) {
    xml += "<item><title>Story " + std::to_string(i) + "</title><link>" + entry_url(feed, i) +
           "</link><description>" + std::string(padding, 'x') + "</description></item>";
  }
  return xml + "<item><title>Shared story</title><link>" + kShared + "</link></item></channel></rss>";
}

std::string etag_of(int feed) { return "\"f" + std::to_string(feed) + "\""; }

// Every request waits until all kFeeds have arrived, so the answers land together.
class Gate {
 public:
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    cv_.notify_all();
    cv_.wait_for(lock, 3s, [this] { return arrived_ >= kFeeds; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
};

std::string config_text(const feedd::test::HttpServer& server) {
  std::string text = "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                     "[fetch]\nmax_connections = 64\nmax_host_connections = 64\n"
                     "[schedule]\nhost_spacing = \"0s\"\n";
  for (int f = 0; f < kFeeds; ++f) text += "[[feed]]\nurl = \"" + server.url(path_of(f)) + "\"\n";
  return text;
}

}  // namespace

TEST_CASE("forty feeds answering at once: each entry and each feed's state stored once, each entry in the digest once") {
  constexpr int kEntries = 5;
  Gate gate;
  feedd::test::HttpServer server;
  for (int f = 0; f < kFeeds; ++f) {
    server.add_handler(path_of(f), [f, &gate](const feedd::test::HttpRequest& request) {
      gate.arrive_and_wait();
      if (request.header("If-None-Match") == etag_of(f)) return feedd::test::response(304, {{"ETag", etag_of(f)}});
      return feedd::test::response(200, {{"ETag", etag_of(f)}}, feed_body(f, kEntries));
    });
  }
  feedd::test::TempDir dir{"feedd-batch"};
  dir.write("feedd.toml", config_text(server));
  const std::vector<std::string> once{feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()};

  auto r = feedd::test::run(once, 30s);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(server.max_concurrent_connections() >= kFeeds / 2);  // the answers did land together

  {
    auto store = feedd::store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    const auto entries = (*store)->newest(10'000);
    CHECK(entries.size() == kFeeds * kEntries + 1);
    std::multiset<std::string> urls;
    for (const auto& e : entries) urls.insert(e.url);
    CHECK(urls.count(kShared) == 1);
    for (int f = 0; f < kFeeds; ++f) {
      for (int i = 0; i < kEntries; ++i) CHECK(urls.count(entry_url(f, i)) == 1);
    }
    const auto feeds = (*store)->feeds();
    REQUIRE(feeds.size() == kFeeds);
    for (const auto& feed : feeds) {
      CAPTURE(feed.url);
      CHECK(feed.last_status == 200);
      CHECK(feed.etag == etag_of(std::stoi(feed.url.substr(feed.url.rfind("/f") + 2))));
    }
  }
  const std::string digest = feedd::test::read_file(dir.file("out/digest/today"));
  CHECK(occurrences(digest, kShared + "\n") == 1);
  for (int f = 0; f < kFeeds; ++f) {
    for (int i = 0; i < kEntries; ++i) CHECK(occurrences(digest, entry_url(f, i) + "\n") == 1);
  }

  // The recorded validators are sent back: every feed answers 304, nothing is new.
  auto again = feedd::test::run(once, 30s);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(feedd::test::lines_with(again.err, " status=304 ").size() == kFeeds);
  CHECK(feedd::test::read_file(dir.file("out/digest/today")) == digest);
}

TEST_CASE("SIGTERM while polls are ending loses no poll that ended") {
  constexpr int kEntries = 30;
  feedd::test::HttpServer server;
  for (int f = 0; f < kFeeds; ++f) {
    feedd::test::HttpResponse answer;
    answer.headers = {{"ETag", etag_of(f)}};
    answer.body = feed_body(f, kEntries, 8000);  // a busy loop: answers and the signal land together
    answer.delay = std::chrono::milliseconds(f % 10 * 20);
    server.add_endpoint(path_of(f), answer);
  }

  for (const auto stop_after : {40ms, 80ms, 120ms}) {
    CAPTURE(stop_after.count());
    feedd::test::TempDir dir{"feedd-batch"};
    dir.write("feedd.toml", config_text(server));
    feedd::test::Process daemon(
        {feedd::test::feedd_binary(), "--log-level", "debug", "run", "-c", dir.file("feedd.toml").string()});
    feedd::test::eventually([&] { return daemon.err_so_far().find("url=") != std::string::npos; }, 5s, 5ms);
    std::this_thread::sleep_for(stop_after);
    daemon.signal(SIGTERM);
    auto r = daemon.wait(10s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    // Each transfer the client handed over ended a poll: its entries and state are stored.
    auto store = feedd::store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    const std::regex ended(R"(module=fetch url=(\S+) status=200 )");
    std::size_t checked = 0;
    for (const auto& line : feedd::test::lines_with(r.err, "module=fetch url=")) {
      std::smatch m;
      if (!std::regex_search(line, m, ended)) continue;
      const std::string url = m[1];
      CAPTURE(url);
      CHECK((*store)->newest(1000, {url}).size() == kEntries + 1);
      const auto state = (*store)->feed_by_url(url);
      REQUIRE(state);
      CHECK(state->last_status == 200);
      ++checked;
    }
    CHECK(checked > 0);
  }
}

namespace {

// Another writer (a second SQLite connection) that takes the database's write lock at
// the first request the server answers and keeps it until release(): no commit of feedd's
// can finish meanwhile (each waits in SQLite's busy timeout).
class WriteLockAtFirstRequest {
 public:
  explicit WriteLockAtFirstRequest(std::filesystem::path db) : db_(std::move(db)) {}
  ~WriteLockAtFirstRequest() { release(); }

  // Called by the server's handlers, before they answer.
  void on_request() {
    std::lock_guard lock(mutex_);
    if (writer_ == nullptr && !released_) {
      REQUIRE(sqlite3_open(db_.c_str(), &writer_) == SQLITE_OK);
      REQUIRE(sqlite3_exec(writer_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    ++requests_;
  }

  // Waits until the lock is taken, keeps it `held`, then releases it. Returns how many
  // requests arrived before the release.
  int hold_then_release(std::chrono::milliseconds held) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (writer_ != nullptr || std::chrono::steady_clock::now() > deadline) break;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::this_thread::sleep_for(held);
    std::lock_guard lock(mutex_);
    REQUIRE(writer_ != nullptr);
    const int before = requests_;
    release_locked();
    return before;
  }

  void release() {
    std::lock_guard lock(mutex_);
    release_locked();
  }

 private:
  void release_locked() {
    released_ = true;
    if (writer_ == nullptr) return;
    CHECK(sqlite3_exec(writer_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(writer_);
    writer_ = nullptr;
  }

  std::filesystem::path db_;
  std::mutex mutex_;
  sqlite3* writer_ = nullptr;
  bool released_ = false;
  int requests_ = 0;
};

// Feeds 0..feeds-1 on `server` (feed_body(f, entries, padding)); each request tells `lock`
// first.
void serve_feeds(feedd::test::HttpServer& server, WriteLockAtFirstRequest& lock, int feeds, int entries,
                 std::size_t padding = 0) {
  for (int f = 0; f < feeds; ++f) {
    server.add_handler(path_of(f), [&lock, f, entries, padding](const feedd::test::HttpRequest&) {
      lock.on_request();
      return feedd::test::response(200, {}, feed_body(f, entries, padding));
    });
  }
}

// A config of `feeds` feeds of `server`, fetched over at most `connections` connections;
// `fetch_lines` go in its [fetch] table too.
std::string many_feeds_config(const feedd::test::HttpServer& server, int feeds, int connections,
                              const std::string& fetch_lines = "") {
  std::string text = "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\nlog_level = \"warn\"\n"
                     "[fetch]\nmax_host_connections = " + std::to_string(connections) + "\n" + fetch_lines +
                     "[schedule]\nhost_spacing = \"0s\"\n";
  for (int f = 0; f < feeds; ++f) text += "[[feed]]\nurl = \"" + server.url(path_of(f)) + "\"\n";
  return text;
}

}  // namespace

TEST_CASE("a commit held up by a locked database does not hold up the transfers after it") {
  // The feeds are fetched one after another over one connection. The first poll's
  // commit waits for the lock on the store's thread; the loop goes on fetching, so every
  // request arrives while the lock is still held. The commits follow once it is
  // released, and nothing is lost.
  constexpr int kEntries = 3;
  constexpr int kSequential = 8;
  feedd::test::TempDir dir{"feedd-batch"};
  WriteLockAtFirstRequest lock(dir.file("feedd.db"));
  feedd::test::HttpServer server;
  serve_feeds(server, lock, kSequential, kEntries);
  dir.write("feedd.toml", many_feeds_config(server, kSequential, 1));

  feedd::test::Process daemon({feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()});
  const int before_release = lock.hold_then_release(3s);
  auto r = daemon.wait(30s);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(before_release == kSequential);  // the loop never waited for the store

  auto store = feedd::store::Store::open(dir.file("feedd.db"));
  REQUIRE(store.ok());
  CHECK((*store)->newest(1000).size() == kSequential * kEntries + 1);
  for (const auto& feed : (*store)->feeds()) {
    CAPTURE(feed.url);
    CHECK(feed.last_status == 200);
  }
}

TEST_CASE("while the store cannot keep up, fetching pauses instead of piling up parsed feeds") {
  // No commit can finish while the lock is held. The loop goes on fetching only until a
  // few hundred polls wait for their commit; the rest start once the store catches up,
  // and nothing is lost.
  constexpr int kMany = 800;
  feedd::test::TempDir dir{"feedd-batch"};
  WriteLockAtFirstRequest lock(dir.file("feedd.db"));
  feedd::test::HttpServer server;
  serve_feeds(server, lock, kMany, 1);
  dir.write("feedd.toml", many_feeds_config(server, kMany, 8));

  feedd::test::Process daemon({feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()});
  const int before_release = lock.hold_then_release(3s);
  auto r = daemon.wait(60s);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CAPTURE(before_release);
  CHECK(before_release >= 100);       // fetching went on past the commit that waited
  CHECK(before_release < kMany / 2);  // and then paused

  auto store = feedd::store::Store::open(dir.file("feedd.db"));
  REQUIRE(store.ok());
  CHECK((*store)->newest(10'000).size() == kMany + 1);
  CHECK((*store)->feeds().size() == kMany);
}

TEST_CASE("while the store cannot keep up, the documents held in memory stay within fetch.max_buffered_bytes") {
  // Documents of about 400 kB, fetched one at a time. No commit can finish while the lock
  // is held, so every document fetched stays in memory. With a budget of 1 MiB the third
  // passes it, and nothing more starts until commits free their memory; with the default
  // (64 MiB) every feed is fetched meanwhile. Either way nothing is lost.
  constexpr int kFeeds = 10;
  constexpr std::size_t kPadding = 400'000;
  const auto fetched_while_locked = [&](const std::string& fetch_lines) {
    feedd::test::TempDir dir{"feedd-batch"};
    WriteLockAtFirstRequest lock(dir.file("feedd.db"));
    feedd::test::HttpServer server;
    serve_feeds(server, lock, kFeeds, 1, kPadding);
    dir.write("feedd.toml", many_feeds_config(server, kFeeds, 1, fetch_lines));
    feedd::test::Process daemon({feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()});
    const int before_release = lock.hold_then_release(2s);
    auto r = daemon.wait(60s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto store = feedd::store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    CHECK((*store)->newest(1000).size() == kFeeds + 1);
    for (const auto& feed : (*store)->feeds()) CHECK(feed.last_status == 200);
    return before_release;
  };
  CHECK(fetched_while_locked("max_buffered_bytes = 1048576\n") == 3);
  CHECK(fetched_while_locked("") == kFeeds);
}
