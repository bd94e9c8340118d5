// What HTTP statuses and transport errors do to a feed's schedule, end to end: the real
// feedd binary against a loopback server.

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "app/poll.hpp"
#include "common/time.hpp"
#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

using namespace std::chrono_literals;
using feedd::test::HttpRequest;
using feedd::test::HttpResponse;
using feedd::test::HttpServer;
using feedd::test::lines_with;
using feedd::test::TempDir;

namespace {

std::string rss(const std::string& name) {
  return "<rss version=\"2.0\"><channel><title>" + name + "</title><link>https://" + name +
         ".example/</link><description>d</description><item><title>" + name + " story</title><link>https://" +
         name + ".example/story</link></item></channel></rss>";
}

struct Setup {
  TempDir dir{"feedd-sched"};

  void write_config(const std::vector<std::string>& urls, const std::string& extra = "") {
    std::string text = "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n" + extra;
    for (const auto& u : urls) text += "[[feed]]\nurl = \"" + u + "\"\n";
    dir.write("feedd.toml", text);
  }

  feedd::test::ProcessResult once() {
    return feedd::test::run({feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()}, 60s,
                            {"TZ=UTC"});
  }

  feedd::store::FeedState state(const std::string& url) {
    auto store = feedd::store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    auto feed = (*store)->feed_by_url(url);
    REQUIRE(feed.has_value());
    return *feed;
  }
};

// Records when each request to a path arrived (steady clock).
class Arrivals {
 public:
  void note() {
    std::lock_guard lock(mutex_);
    times_.push_back(std::chrono::steady_clock::now());
  }
  std::vector<std::chrono::steady_clock::time_point> times() const {
    std::lock_guard lock(mutex_);
    return times_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

TEST_CASE("a 301/308 chain moves the polled URL after two polls and a 302 never does") {
  HttpServer server;
  server.add_endpoint("/old", 301, {{"Location", server.url("/mid")}}, "");
  server.add_endpoint("/mid", 308, {{"Location", server.url("/new")}}, "");
  server.add_endpoint("/new", 200, {}, rss("new"));
  server.add_endpoint("/temp", 302, {{"Location", server.url("/target")}}, "");
  server.add_endpoint("/target", 200, {}, rss("target"));
  Setup s;
  s.write_config({server.url("/old"), server.url("/temp")});

  auto first = s.once();
  REQUIRE(first.exit_code == 0);
  CHECK(s.state(server.url("/old")).poll_url.empty());
  CHECK(lines_with(first.err, "moved permanently").empty());

  auto second = s.once();
  REQUIRE(second.exit_code == 0);
  const auto moved = s.state(server.url("/old"));
  CHECK(moved.poll_url == server.url("/new"));
  CHECK(moved.url == server.url("/old"));  // the config's URL stays the feed's identity
  CHECK(lines_with(second.err, "moved permanently").size() == 1);
  const auto listed = feedd::test::run(
      {feedd::test::feedd_binary(), "feeds", "-c", s.dir.file("feedd.toml").string(), "--json"}, 30s);
  CHECK(listed.out.find("\"poll_url\":\"" + server.url("/new") + "\"") != std::string::npos);
  CHECK(listed.out.find("\"url\":\"" + server.url("/old") + "\"") != std::string::npos);

  auto third = s.once();
  REQUIRE(third.exit_code == 0);
  CHECK(server.requests("/old") == 2);  // the third poll went straight to the new URL
  CHECK(server.requests("/new") == 3);
  CHECK(lines_with(third.err, "moved permanently").empty());

  CHECK(server.requests("/temp") == 3);
  CHECK(s.state(server.url("/temp")).poll_url.empty());
}

TEST_CASE("a 410 disables the feed with the reason, says so once, and it is not polled again") {
  HttpServer server;
  server.add_endpoint("/gone", 410, {}, "gone");
  server.add_endpoint("/fine", 200, {}, rss("fine"));
  Setup s;
  s.write_config({server.url("/gone"), server.url("/fine")});

  auto first = s.once();
  CHECK(first.exit_code == 1);
  CHECK(lines_with(first.err, "410 Gone").size() == 1);
  const auto gone = s.state(server.url("/gone"));
  CHECK(gone.disabled_reason.find("410 Gone") != std::string::npos);
  CHECK_FALSE(gone.next_due.has_value());

  auto second = s.once();
  CHECK(second.exit_code == 0);
  CHECK(server.requests("/gone") == 1);
  CHECK(server.requests("/fine") == 2);
}

TEST_CASE("connection refused and an unresolvable host count as errors with exponential backoff") {
  const std::string refused = "http://127.0.0.1:" + std::to_string(feedd::test::unused_port()) + "/feed";
  const std::string unresolvable = "http://feed.nowhere.invalid/feed";
  Setup s;
  s.write_config({refused, unresolvable}, "[schedule]\ninterval = \"100s\"\nmin_interval = \"1s\"\n");

  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto result = s.once();
    CHECK(result.exit_code == 1);
    for (const auto& url : {refused, unresolvable}) {
      CAPTURE(url);
      const auto st = s.state(url);
      CHECK(st.consecutive_errors == round);
      CHECK(st.next_due_reason == (round == 1 ? "backoff (1 error)" : "backoff (2 errors)"));
      REQUIRE(st.next_due.has_value());
      REQUIRE(st.last_poll.has_value());
      const auto wait = (*st.next_due - *st.last_poll).count();
      const int expected = 100 << round;  // 200 s, then 400 s, within the 10 % jitter
      CHECK(wait >= expected * 9 / 10);
      CHECK(wait <= expected * 11 / 10);
    }
    CHECK(s.state(refused).last_error.find("refused") != std::string::npos);
    CHECK(s.state(unresolvable).last_error.find("resolve") != std::string::npos);
  }
}

TEST_CASE("a 429 with Retry-After holds that feed and the other feeds of its host for that long") {
  HttpServer server;
  Arrivals busy;
  Arrivals other;
  server.add_handler("/busy", [&](const HttpRequest&) {
    busy.note();
    HttpResponse r;
    r.status = 429;
    r.headers = {{"Retry-After", "2"}};
    return r;
  });
  server.add_handler("/other", [&](const HttpRequest&) {
    other.note();
    HttpResponse r;
    r.body = rss("other");
    r.delay = 100ms;  // lands after the 429, so the pause applies to its next poll
    return r;
  });
  Setup s;
  s.write_config({server.url("/busy"), server.url("/other")},
                 "[schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\nhost_spacing = \"0s\"\n");
  feedd::test::Process daemon({feedd::test::feedd_binary(), "run", "-c", s.dir.file("feedd.toml").string()},
                              {"TZ=UTC"});
  std::this_thread::sleep_for(4500ms);
  daemon.signal(SIGTERM);
  auto result = daemon.wait(10s);
  REQUIRE(result.exit_code == 0);

  const auto b = busy.times();
  const auto o = other.times();
  REQUIRE(b.size() >= 2);
  REQUIRE(o.size() >= 2);
  for (std::size_t i = 1; i < b.size(); ++i) CHECK(seconds_between(b[i - 1], b[i]) >= 1.95);
  // The other feed (interval 1 s) is not polled while the host's pause holds.
  for (const auto& t : o) {
    const double since = seconds_between(b[0], t);
    CHECK_FALSE((since > 0.5 && since < 1.95));
  }
  CHECK(lines_with(result.err, "paused=2s").size() >= 1);
}

TEST_CASE("feeds waiting for a connection to a host that answers 429 wait for its Retry-After too") {
  // One connection to the host: the other feeds wait in feedd's queue for it. The 429
  // arrives first, so neither is fetched in this round, and each says why.
  HttpServer server;
  server.add_endpoint("/busy", 429, {{"Retry-After", "3600"}}, "");
  server.add_endpoint("/a", 200, {}, rss("a"));
  server.add_endpoint("/b", 200, {}, rss("b"));
  Setup s;
  s.write_config({server.url("/busy"), server.url("/a"), server.url("/b")},
                 "[fetch]\nmax_host_connections = 1\n[schedule]\nhost_spacing = \"0s\"\n");
  auto result = s.once();
  INFO(result.err);
  CHECK(result.exit_code == 1);  // the 429 is an error
  CHECK(server.requests("/busy") == 1);
  CHECK(server.total_requests() == 1);
  CHECK(lines_with(result.err, "skipped=\"host").size() == 2);
}

TEST_CASE("feeds of one host due together start host_spacing apart") {
  HttpServer server;
  Arrivals arrivals;
  for (const char* path : {"/a", "/b", "/c"}) {
    server.add_handler(path, [&, path](const HttpRequest&) {
      arrivals.note();
      HttpResponse r;
      r.body = rss(path + 1);
      return r;
    });
  }
  Setup s;
  s.write_config({server.url("/a"), server.url("/b"), server.url("/c")},
                 "[schedule]\ninterval = \"1h\"\nmin_interval = \"1s\"\nhost_spacing = \"1s\"\n");
  feedd::test::Process daemon({feedd::test::feedd_binary(), "run", "-c", s.dir.file("feedd.toml").string()},
                              {"TZ=UTC"});
  feedd::test::eventually([&] { return arrivals.times().size() >= 3; }, 10s);
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(10s).exit_code == 0);
  const auto t = arrivals.times();
  REQUIRE(t.size() == 3);
  CHECK(seconds_between(t[0], t[1]) >= 0.95);
  CHECK(seconds_between(t[1], t[2]) >= 0.95);
}

TEST_CASE("a Retry-After outlives the process: the next one-shot round and a restarted daemon hold the host") {
  HttpServer server;
  server.add_endpoint("/busy", 429, {{"Retry-After", "3600"}}, "");
  server.add_endpoint("/other", 200, {}, rss("other"));
  server.add_endpoint("/new", 200, {}, rss("new"));
  Setup s;
  s.write_config({server.url("/busy")});
  auto first = s.once();
  CHECK(first.exit_code == 1);  // the 429 is an error
  REQUIRE(server.requests("/busy") == 1);

  // A later one-shot round (cron) polls nothing of that host, and says why.
  s.write_config({server.url("/busy"), server.url("/other")});
  auto second = s.once();
  INFO(second.err);
  CHECK(second.exit_code == 0);
  CHECK(server.requests("/busy") == 1);
  CHECK(server.requests("/other") == 0);
  CHECK(lines_with(second.err, "skipped=").size() == 2);
  CHECK(lines_with(second.err, "Retry-After").size() >= 2);

  // A daemon started now holds the host too: a feed that is due at once waits.
  s.write_config({server.url("/busy"), server.url("/other"), server.url("/new")},
                 "[schedule]\nmin_interval = \"1s\"\nhost_spacing = \"0s\"\n");
  feedd::test::Process daemon({feedd::test::feedd_binary(), "run", "-c", s.dir.file("feedd.toml").string()},
                              {"TZ=UTC"});
  std::this_thread::sleep_for(1500ms);
  daemon.signal(SIGTERM);
  auto result = daemon.wait(10s);
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(server.total_requests() == 1);
  CHECK(lines_with(result.err, "a Retry-After from before holds it").size() == 1);
}

namespace {

// An RSS document whose items (links `paths`) are all dated `age` before the request.
std::string rss_dated(const std::vector<std::string>& paths, std::chrono::seconds age = 0s) {
  const std::string date = feedd::format_rfc1123(feedd::now_utc() - age);
  std::string body = "<rss version=\"2.0\"><channel><title>now</title><link>https://now.example/</link>";
  for (const auto& p : paths) {
    body += "<item><title>" + p + "</title><link>https://now.example/" + p + "</link><pubDate>" + date +
            "</pubDate></item>";
  }
  return body + "</channel></rss>";
}

}  // namespace

TEST_CASE("a feed that dates its entries with the time of each request is not taken for a busy one") {
  HttpServer server;
  server.add_handler("/redated", [](const HttpRequest&) {
    HttpResponse r;
    r.body = rss_dated({"story"});
    return r;
  });
  Setup s;
  s.write_config({server.url("/redated")}, "[schedule]\njitter_percent = 0\n");
  REQUIRE(s.once().exit_code == 0);
  for (int round = 1; round <= 2; ++round) {
    std::this_thread::sleep_for(1100ms);  // a newer date, to the second
    auto result = s.once();
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(lines_with(result.err, "new=0 duplicate=1").size() == 1);
    const auto st = s.state(server.url("/redated"));
    // Counted by date, its entry would be new at every poll and the feed polled 4x as often.
    CHECK(st.next_due_reason == "interval 30m");
    CHECK(feedd::app::PollMemory::decode(st.schedule_memory).history.polls_without_new == round);
  }
}

TEST_CASE("a document that reaches back to no entry seen before is said to leave a gap, once per run") {
  HttpServer server;
  std::atomic<int> requests{0};
  server.add_handler("/fast", [&](const HttpRequest&) {
    const int n = ++requests;
    HttpResponse r;
    // Two entries per document; from the second poll on, each holds only entries not
    // seen before, dated later than any before, until the fourth repeats the third.
    const int round = std::min(n, 3);
    r.body = rss_dated({"a" + std::to_string(round), "b" + std::to_string(round)}, std::chrono::hours(4 - round));
    return r;
  });
  Setup s;
  s.write_config({server.url("/fast")});
  // feedd.prom counts every such poll (its counters start at zero with each process).
  const auto gaps_counted = [&] {
    std::vector<std::string> samples;
    for (auto& line : lines_with(feedd::test::read_file(s.dir.file("out/feedd.prom")), "feedd_gaps_total ")) {
      if (line.starts_with("feedd_gaps_total ")) samples.push_back(line);
    }
    return samples;
  };
  auto first = s.once();
  REQUIRE(first.exit_code == 0);
  CHECK(lines_with(first.err, "gap=").empty());
  CHECK(gaps_counted() == std::vector<std::string>{"feedd_gaps_total 0"});

  auto second = s.once();
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  const auto said = lines_with(second.err, "gap=2 since=");
  REQUIRE(said.size() == 1);
  CHECK(said[0].find("feed=" + server.url("/fast")) != std::string::npos);
  CHECK(said[0].find("none of the document's 2 entries was seen before") != std::string::npos);
  CHECK(gaps_counted() == std::vector<std::string>{"feedd_gaps_total 1"});
  // `feedd feeds` says so too, in its note and in JSON.
  const std::vector<std::string> feeds{feedd::test::feedd_binary(), "feeds", "-c", s.dir.file("feedd.toml").string()};
  auto table = feedd::test::run(feeds, 30s);
  CHECK(lines_with(table.out, "no entry seen before in the last poll (a gap").size() == 1);

  auto third = s.once();  // the run goes on: not said again
  REQUIRE(third.exit_code == 0);
  CHECK(lines_with(third.err, "gap=").empty());
  CHECK(lines_with(third.err, "new=2 duplicate=0").size() == 1);
  CHECK(gaps_counted() == std::vector<std::string>{"feedd_gaps_total 1"});
  auto listed = feedd::test::run({feeds[0], feeds[1], feeds[2], feeds[3], "--json"}, 30s);
  CHECK(listed.out.find("\"unseen_polls\":2") != std::string::npos);

  auto fourth = s.once();  // the same document: the run ends
  REQUIRE(fourth.exit_code == 0);
  CHECK(lines_with(fourth.err, "gap=").empty());
  CHECK(gaps_counted() == std::vector<std::string>{"feedd_gaps_total 0"});
  CHECK(feedd::app::PollMemory::decode(s.state(server.url("/fast")).schedule_memory).unseen_polls == 0);
  CHECK(lines_with(feedd::test::run(feeds, 30s).out, "seen before").empty());
}

namespace {

// The same two stories, dated as before, under a new session id at every request; `titled`
// gives them titles, else only their text, which carries the session id too.
std::string churning_rss(int request, bool titled) {
  const std::string sid = std::to_string(request);
  std::string body = "<rss version=\"2.0\"><channel><title>churn</title><link>https://churn.example/</link>";
  for (const char* story : {"one", "two"}) {
    const std::string link = std::string("https://churn.example/") + story + "?sid=" + sid;
    body += "<item>" + (titled ? std::string("<title>") + story + "</title>" : std::string()) + "<link>" + link +
            "</link><description>Story " + story + ", &lt;a href=\"" + link + "\"&gt;read on&lt;/a&gt;</description>" +
            "<pubDate>Thu, 27 Feb 2025 10:00:00 GMT</pubDate></item>";
  }
  return body + "</channel></rss>";
}

// One round of `feedd once` against the churning feed: its log, and the feed's schedule after it.
struct ChurnRound {
  feedd::test::ProcessResult result;
  std::string next_due_reason;
  int polls_without_new = 0;
};

// Three rounds against the churning feed, `titled` or not.
std::vector<ChurnRound> churn_rounds(bool titled) {
  HttpServer server;
  std::atomic<int> requests{0};
  server.add_handler("/churn", [&](const HttpRequest&) {
    HttpResponse r;
    r.body = churning_rss(++requests, titled);
    return r;
  });
  Setup s;
  s.write_config({server.url("/churn")}, "[schedule]\njitter_percent = 0\n");
  std::vector<ChurnRound> rounds;
  for (int round = 0; round < 3; ++round) {
    auto result = s.once();
    const auto st = s.state(server.url("/churn"));
    rounds.push_back({std::move(result), st.next_due_reason,
                      feedd::app::PollMemory::decode(st.schedule_memory).history.polls_without_new});
  }
  return rounds;
}

}  // namespace

TEST_CASE("a feed whose links change at every request brings each story once, found by its title and date") {
  const auto rounds = churn_rounds(true);
  REQUIRE(lines_with(rounds[0].result.err, "new=2 duplicate=0").size() == 1);
  for (int round = 1; round <= 2; ++round) {
    const auto& r = rounds[static_cast<std::size_t>(round)];
    INFO(r.result.err);
    REQUIRE(r.result.exit_code == 0);
    CHECK(lines_with(r.result.err, "new=0 duplicate=2 updated=0 relinked=2").size() == 1);
    CHECK(lines_with(r.result.err, "links_changed=").empty());
    CHECK(r.next_due_reason == "interval 30m");
    CHECK(r.polls_without_new == round);
  }
}

TEST_CASE("a feed whose untitled entries change their links at every request is said to, once, and not taken for "
          "a busy one") {
  const auto rounds = churn_rounds(false);
  REQUIRE(rounds[0].result.exit_code == 0);
  for (int round = 1; round <= 2; ++round) {
    const auto& r = rounds[static_cast<std::size_t>(round)];
    INFO(r.result.err);
    REQUIRE(r.result.exit_code == 0);
    CHECK(lines_with(r.result.err, "new=2 duplicate=0").size() == 1);
    CHECK(lines_with(r.result.err, "links_changed=2 ").size() == (round == 1 ? 1U : 0U));
    CHECK(lines_with(r.result.err, "gap=").empty());
    CHECK(r.next_due_reason == "interval 30m");
    CHECK(r.polls_without_new == round);
  }
}
