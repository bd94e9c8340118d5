// feedd killed with SIGKILL at random moments: the database stays intact, nothing a
// completed round stored is lost, the next round completes, and the digest never
// repeats an entry.

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kFeeds = 12;
constexpr int kEntriesPerFeed = 40;
constexpr int kKills = 50;

// Feed `feed` at generation `gen`: its newest kEntriesPerFeed entries, two new per generation.
std::string feed_body(int feed, int gen) {
  std::string xml = "<rss version=\"2.0\"><channel><title>Feed " + std::to_string(feed) +
                    "</title><link>https://f" + std::to_string(feed) + ".example/</link><description>d</description>";
  for (int i = 0; i < kEntriesPerFeed; ++i) {
    const int n = gen * 2 + i;
    const std::string url = "https://f" + std::to_string(feed) + ".example/story/" + std::to_string(n);
    xml += "<item><title>Story " + std::to_string(n) + "</title><link>" + url + "</link><description>" +
           std::string(400, 'x') + "</description></item>";
  }
  return xml + "</channel></rss>";
}

std::set<std::string> stored_urls(const std::filesystem::path& db) {
  std::set<std::string> urls;
  auto store = feedd::store::Store::open(db);
  REQUIRE(store.ok());
  for (const auto& e : (*store)->newest(1'000'000)) urls.insert(e.url);
  return urls;
}

}  // namespace

TEST_CASE("SIGKILL at random moments never corrupts the database or loses a completed round") {
  std::atomic<int> generation{0};
  feedd::test::HttpServer server;
  for (int f = 0; f < kFeeds; ++f) {
    server.add_handler("/f" + std::to_string(f) + ".rss", [f, &generation](const feedd::test::HttpRequest&) {
      feedd::test::HttpResponse r;
      r.body = feed_body(f, generation.load());
      r.delay = std::chrono::milliseconds(f % 4 * 5);  // spread the commits over the round
      return r;
    });
  }
  feedd::test::TempDir dir;
  std::string config = "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n";
  for (int f = 0; f < kFeeds; ++f) config += "[[feed]]\nurl = \"" + server.url("/f" + std::to_string(f) + ".rss") + "\"\n";
  dir.write("feedd.toml", config);
  const std::vector<std::string> once = {feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()};

  const auto started = std::chrono::steady_clock::now();
  auto first = feedd::test::run(once, 60s);
  REQUIRE(first.exit_code == 0);
  const auto round_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::set<std::string> completed = stored_urls(dir.file("feedd.db"));
  REQUIRE(completed.size() == kFeeds * kEntriesPerFeed);

  std::mt19937 rng(20250227);
  // Kills land within the time the last complete round took (a cold first round is slower
  // than the rest, so the bound follows the rounds as they go).
  long last_round_ms = round_ms.count();
  int killed_mid_round = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    CAPTURE(kill);
    generation = kill + 1;  // every round brings new entries to store
    {
      feedd::test::Process victim(once);
      std::uniform_int_distribution<long> delay_ms(0, std::max<long>(last_round_ms * 9 / 10, 5));
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      victim.signal(SIGKILL);
      auto r = victim.wait(10s);
      killed_mid_round += r.signal == SIGKILL ? 1 : 0;
    }
    REQUIRE(feedd::test::integrity_check(dir.file("feedd.db")) == "ok");
    const auto after_kill = stored_urls(dir.file("feedd.db"));
    for (const auto& url : completed) REQUIRE(after_kill.count(url) == 1);

    const auto next_started = std::chrono::steady_clock::now();
    auto next = feedd::test::run(once, 60s);
    last_round_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                          next_started).count();
    INFO(next.err);
    REQUIRE(next.exit_code == 0);
    completed = stored_urls(dir.file("feedd.db"));
    REQUIRE(completed.size() == static_cast<std::size_t>(kFeeds * (kEntriesPerFeed + 2 * (kill + 1))));
  }
  CHECK(killed_mid_round >= kKills / 2);  // most kills landed before the round ended

  // The digest holds every entry exactly once, kills between store and append included.
  std::multiset<std::string> lines;
  for (const auto& file : std::filesystem::directory_iterator(dir.file("out/digest"))) {
    if (file.path().extension() != ".txt") continue;
    std::ifstream in(file.path());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') lines.insert(line.substr(line.find("  ") + 2));
    }
  }
  CHECK(lines.size() == completed.size());
  CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == lines.size());
}
