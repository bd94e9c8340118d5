// The real `feedd run` process: reload on SIGHUP, stop on SIGTERM, talk to systemd.

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

using feedd::test::occurrences;
using namespace std::chrono_literals;
using feedd::test::HttpServer;
using feedd::test::Process;
using feedd::test::TempDir;
using feedd::test::eventually;

namespace {

std::string rss(const std::string& name) {
  return "<rss version=\"2.0\"><channel><title>" + name + "</title><link>https://" + name +
         ".example/</link><description>d</description><item><title>" + name +
         " story</title><link>https://" + name + ".example/story</link></item></channel></rss>";
}

// Serves /NAME.rss with an ETag and answers 304 to a request that sends it back.
void serve_feed(HttpServer& server, const std::string& name) {
  const std::string body = rss(name);
  server.add_handler("/" + name + ".rss", [body](const feedd::test::HttpRequest& request) {
    feedd::test::HttpResponse response;
    response.headers = {{"ETag", "\"v1\""}};
    if (request.header("If-None-Match") == std::optional<std::string>("\"v1\"")) {
      response.status = 304;
    } else {
      response.body = body;
    }
    return response;
  });
}

std::string config_text(const HttpServer& server, const std::vector<std::string>& names,
                        const std::string& extra = "") {
  std::string text =
      "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
      "[schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\n" + extra;
  for (const auto& n : names) text += "[[feed]]\nurl = \"" + server.url("/" + n + ".rss") + "\"\n";
  return text;
}

// One feed served, `feedd run` on it, and its first poll seen.
struct OneFeedDaemon {
  HttpServer server;
  TempDir dir;
  std::unique_ptr<Process> daemon;

  OneFeedDaemon() {
    serve_feed(server, "one");
    dir.write("feedd.toml", config_text(server, {"one"}));
    daemon = std::make_unique<Process>(
        std::vector<std::string>{feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
    REQUIRE(eventually([&] { return server.requests("/one.rss") >= 1; }));
  }
};

}  // namespace

TEST_CASE("SIGHUP adds and removes feeds while the others keep their validators") {
  HttpServer server;
  for (const char* n : {"kept", "removed", "added"}) serve_feed(server, n);
  TempDir dir;
  dir.write("feedd.toml", config_text(server, {"kept", "removed"}));
  Process daemon({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});

  REQUIRE(eventually([&] { return server.requests("/kept.rss") >= 1 && server.requests("/removed.rss") >= 1; }));
  dir.write("feedd.toml", config_text(server, {"kept", "added"}));
  daemon.signal(SIGHUP);
  REQUIRE(eventually([&] { return server.requests("/added.rss") >= 1; }));
  const std::size_t removed_before = server.requests("/removed.rss");
  const std::size_t kept_before = server.requests("/kept.rss");
  // Over a few more intervals: the kept feed is polled with its ETag, the removed one never.
  REQUIRE(eventually([&] { return server.requests("/kept.rss") >= kept_before + 2; }));
  CHECK(server.requests("/removed.rss") <= removed_before + 1);  // at most one already in flight
  CHECK(server.last_request("/kept.rss")->header("If-None-Match") == std::optional<std::string>("\"v1\""));

  daemon.signal(SIGTERM);
  auto r = daemon.wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("reload=done feeds=2 added=1 removed=1") != std::string::npos);
}

TEST_CASE("the command line's log level outlasts a SIGHUP, and without one the config's holds") {
  HttpServer server;
  serve_feed(server, "one");
  TempDir dir;
  // The config asks for warnings only; the command line for info.
  std::string text = config_text(server, {"one"});
  text.replace(text.find("[feedd]\n"), 8, "[feedd]\nlog_level = \"warn\"\n");
  dir.write("feedd.toml", text);
  Process daemon({feedd::test::feedd_binary(), "--log-level", "info", "run", "-c", dir.file("feedd.toml").string()});
  REQUIRE(eventually([&] { return daemon.err_so_far().find("status=200") != std::string::npos; }));
  daemon.signal(SIGHUP);
  REQUIRE(eventually([&] { return daemon.err_so_far().find("reload=done") != std::string::npos; }));
  // Polls after the reload are still logged at info.
  const std::size_t before = server.requests("/one.rss");
  REQUIRE(eventually([&] { return server.requests("/one.rss") >= before + 2; }));
  daemon.signal(SIGTERM);
  auto r = daemon.wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto reloaded = r.err.find("reload=done");
  REQUIRE(reloaded != std::string::npos);
  CHECK(r.err.find("status=304", reloaded) != std::string::npos);
  CHECK(r.err.find("signal=SIGTERM stopping") != std::string::npos);

  // Without a command-line level, the config's warn holds: no info line at all.
  Process quiet({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
  const std::size_t quiet_before = server.requests("/one.rss");
  REQUIRE(eventually([&] { return server.requests("/one.rss") >= quiet_before + 1; }));
  quiet.signal(SIGHUP);
  std::this_thread::sleep_for(300ms);
  quiet.signal(SIGTERM);
  auto q = quiet.wait(10s);
  INFO(q.err);
  CHECK(q.exit_code == 0);
  CHECK(q.err.find("level=info") == std::string::npos);
}

TEST_CASE("SIGHUP with new tracking parameters says they take effect at restart") {
  OneFeedDaemon d;
  d.dir.write("feedd.toml", config_text(d.server, {"one"}, "[store]\ntracking_params = [\"ref\"]\n"));
  d.daemon->signal(SIGHUP);
  REQUIRE(eventually([&] { return d.daemon->err_so_far().find("reload=done") != std::string::npos; }));
  d.daemon->signal(SIGTERM);
  auto r = d.daemon->wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(feedd::test::lines_with(r.err, "key=store.tracking_params").size() == 1);
}

TEST_CASE("SIGHUP with a broken config logs every problem and keeps the running one") {
  OneFeedDaemon d;
  d.dir.write("feedd.toml", "[fetch]\nmax_redirect = 3\n[[feed]]\nurl = \"ftp://nope\"\n");
  d.daemon->signal(SIGHUP);
  REQUIRE(eventually([&] { return d.daemon->err_so_far().find("reload=rejected") != std::string::npos; }));
  const std::size_t before = d.server.requests("/one.rss");
  CHECK(eventually([&] { return d.server.requests("/one.rss") >= before + 2; }));

  d.daemon->signal(SIGTERM);
  auto r = d.daemon->wait(10s);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("feedd.toml:2:1: unknown key 'max_redirect' in [fetch] (did you mean 'max_redirects'?)") !=
        std::string::npos);
  CHECK(r.err.find("feedd.toml:4:7: feed.url = \"ftp://nope\" is not a valid URL") != std::string::npos);
}

TEST_CASE("outputs that cannot be written are logged once, tried again, and written once they can be") {
  // A feed that brings a second story once asked to.
  HttpServer server;
  auto second = std::make_shared<std::atomic<bool>>(false);
  server.add_handler("/one.rss", [second](const feedd::test::HttpRequest& request) {
    const bool two = second->load();
    const std::string etag = two ? "\"v2\"" : "\"v1\"";
    feedd::test::HttpResponse response;
    response.headers = {{"ETag", etag}};
    if (request.header("If-None-Match") == std::optional<std::string>(etag)) {
      response.status = 304;
      return response;
    }
    response.body = "<rss version=\"2.0\"><channel><title>one</title><link>https://one.example/</link>"
                    "<description>d</description><item><title>first story</title>"
                    "<link>https://one.example/1</link></item>" +
                    std::string(two ? "<item><title>second story</title><link>https://one.example/2</link></item>"
                                    : "") +
                    "</channel></rss>";
    return response;
  });
  TempDir dir;
  dir.write("feedd.toml", config_text(server, {"one"}));
  Process daemon({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
  const auto digest = dir.file("out/digest");
  const auto atom = dir.file("out/feed.atom");
  REQUIRE(eventually([&] {
    return std::filesystem::exists(atom) && std::filesystem::exists(digest / "today") &&
           feedd::test::read_file(digest / "today").find("first story") != std::string::npos;
  }));
  // A file and a directory in the way of the digest's directory and the merged feed, as a
  // full disk or a changed permission would stop the writes; then the second story.
  std::filesystem::rename(digest, dir.file("out/digest.before"));
  dir.write("out/digest", "not a directory");
  std::filesystem::remove(atom);
  std::filesystem::create_directories(atom);
  second->store(true);
  REQUIRE(eventually([&] {
    const std::string err = daemon.err_so_far();
    return err.find("digest error=") != std::string::npos && err.find("output error=") != std::string::npos;
  }));
  // Nothing new comes from now on (304s) to bring the writes back. Past a retry or so,
  // the way is cleared.
  std::this_thread::sleep_for(6s);
  std::filesystem::remove(digest);
  std::filesystem::remove(atom);
  const auto holds_second = [](const std::filesystem::path& file) {
    return std::filesystem::is_regular_file(file) &&
           feedd::test::read_file(file).find("second story") != std::string::npos;
  };
  CHECK(eventually([&] { return holds_second(digest / "today") && holds_second(atom); }));

  daemon.signal(SIGTERM);
  auto r = daemon.wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(occurrences(r.err, "digest error=") == 1);
  CHECK(occurrences(r.err, "output error=") == 1);
  CHECK(occurrences(r.err, "digest=ok \"writes succeed again\"") == 1);
  CHECK(occurrences(r.err, "output=ok \"writes succeed again\"") == 1);
}

TEST_CASE("SIGTERM in the middle of a round exits 0 and leaves an intact database") {
  HttpServer server;
  feedd::test::HttpResponse slow;
  slow.body = rss("slow");
  slow.delay = 5s;
  server.add_endpoint("/slow.rss", slow);
  serve_feed(server, "fast");
  TempDir dir;
  dir.write("feedd.toml", config_text(server, {"fast", "slow"}));
  Process daemon({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
  REQUIRE(eventually([&] { return server.requests("/slow.rss") >= 1 && server.requests("/fast.rss") >= 1; }));
  std::this_thread::sleep_for(100ms);
  const auto started = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  auto r = daemon.wait(10s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - started < 3s);  // the slow transfer was aborted
  CHECK(feedd::test::integrity_check(dir.file("feedd.db")) == "ok");
}

TEST_CASE("under systemd, feedd run sends READY=1, STATUS= and WATCHDOG=1") {
  HttpServer server;
  serve_feed(server, "one");
  TempDir dir;
  dir.write("feedd.toml", config_text(server, {"one"}));

  const auto socket_path = dir.file("notify.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  Process daemon({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()},
                 {"NOTIFY_SOCKET=" + socket_path.string(), "WATCHDOG_USEC=400000"});
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline &&
         (seen.find("READY=1") == std::string::npos || seen.find("STATUS=") == std::string::npos ||
          seen.find("WATCHDOG=1") == std::string::npos)) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) seen.append(buf, static_cast<std::size_t>(n)).append("\n");
  }
  daemon.signal(SIGTERM);
  auto r = daemon.wait(10s);
  ::close(fd);
  INFO(seen);
  CHECK(seen.find("READY=1") != std::string::npos);
  CHECK(seen.find("STATUS=1 feeds") != std::string::npos);
  CHECK(seen.find("WATCHDOG=1") != std::string::npos);
  CHECK(r.exit_code == 0);
}

TEST_CASE("a running daemon checks its database every interval and stops with 1 on a corrupt one") {
  // 400 entries from a one-shot round, its WAL folded into the file: the pages damaged
  // below are then read from the file, not from a newer copy in the WAL.
  HttpServer server;
  std::string big = "<rss version=\"2.0\"><channel><title>big</title><link>https://big.example/</link>"
                    "<description>d</description>";
  for (int i = 0; i < 400; ++i) {
    big += "<item><title>story " + std::to_string(i) + "</title><link>https://big.example/" +
           std::to_string(i) + "</link><description>" + std::string(300, 'x') + "</description></item>";
  }
  big += "</channel></rss>";
  server.add_handler("/big.rss", [big](const feedd::test::HttpRequest&) {
    feedd::test::HttpResponse response;
    response.body = big;
    return response;
  });
  TempDir dir;
  dir.write("feedd.toml", config_text(server, {"big"}, "[store]\nintegrity_check_interval = \"1s\"\n"));
  const auto database = dir.file("feedd.db");
  {
    Process once({feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()});
    REQUIRE(once.wait(30s).exit_code == 0);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  const auto size = std::filesystem::file_size(database);
  REQUIRE(size > 200'000);

  Process daemon({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
  REQUIRE(eventually([&] { return server.requests("/big.rss") >= 2; }));
  std::this_thread::sleep_for(1500ms);  // a check or two pass; the daemon runs on
  {
    // Damage in place, as a failing disk would: the middle half of the file.
    std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 4));
    const std::string junk(size / 2, static_cast<char>(0xA5));
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = daemon.wait(15s);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("level=critical module=app database=" + database.string() +
                   " error=\"the database is corrupt (") != std::string::npos);
  CHECK(r.err.find("stopping: restore the file from a backup") != std::string::npos);
  // A start refuses it with the same verdict.
  Process again({feedd::test::feedd_binary(), "run", "-c", dir.file("feedd.toml").string()});
  const auto refused = again.wait(15s);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("the database is corrupt") != std::string::npos);
}
