// End-to-end rounds of the real feedd binary against a loopback HTTP server.

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include <pugixml.hpp>

#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

using feedd::test::occurrences;
using namespace std::chrono_literals;
using feedd::test::HttpRequest;
using feedd::test::HttpResponse;
using feedd::test::HttpServer;
using feedd::test::lines_with;
using feedd::test::TempDir;

namespace {

const char* kShared = "https://news.example.org/2025/02/27/embassy-talks";

std::string rss_feed() {
  return std::string(R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire A</title><link>https://a.example/</link><description>A</description>
<item><title>Officials Meet for Embassy Talks</title><link>)") + kShared + R"(</link>
<guid isPermaLink="false">a-1</guid><pubDate>Thu, 27 Feb 2025 15:04:00 +0300</pubDate></item>
<item><title>Only in A</title><link>https://a.example/only-a</link><guid>https://a.example/only-a</guid>
<pubDate>Thu, 27 Feb 2025 11:00:00 GMT</pubDate></item>
</channel></rss>)";
}

std::string atom_feed() {
  return std::string(R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire B</title><id>tag:b.example,2025:feed</id>
<updated>2025-02-27T12:00:00Z</updated><link href="https://b.example/"/>
<entry><title>Officials Meet for Embassy Talks</title><link href=")") + kShared + R"(?utm_source=wireb"/>
<id>tag:b.example,2025:1</id><updated>2025-02-27T12:00:00Z</updated></entry>
<entry><title>Only in B</title><link href="https://b.example/only-b"/>
<id>tag:b.example,2025:2</id><updated>2025-02-27T13:00:00Z</updated></entry>
</feed>)";
}

struct Setup {
  TempDir dir{"feedd-round"};
  std::filesystem::path config = dir.file("feedd.toml");
  std::filesystem::path out = dir.file("out");

  void write_config(const std::vector<std::string>& urls) {
    std::string text = "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\n";
    for (const auto& u : urls) text += "[[feed]]\nurl = \"" + u + "\"\n";
    dir.write("feedd.toml", text);
  }

  feedd::test::ProcessResult once() {
    return feedd::test::run({feedd::test::feedd_binary(), "once", "-c", config.string()}, 60s,
                            {"TZ=UTC"});
  }

  // `feedd run`, once its merged feed shows `entries` entries.
  std::unique_ptr<feedd::test::Process> run_until_written(std::size_t entries) {
    auto daemon = std::make_unique<feedd::test::Process>(
        std::vector<std::string>{feedd::test::feedd_binary(), "run", "-c", config.string()},
        std::vector<std::string>{"TZ=UTC"});
    feedd::test::eventually(
        [&] { return occurrences(feedd::test::read_file(out / "feed.atom"), "<entry>") >= entries; }, 20s, 50ms);
    REQUIRE(occurrences(feedd::test::read_file(out / "feed.atom"), "<entry>") == entries);
    return daemon;
  }

  std::vector<feedd::store::StoredEntry> stored() {
    auto store = feedd::store::Store::open(dir.file("state/feedd.db"));
    REQUIRE(store.ok());
    return (*store)->newest(1000);
  }
};

}  // namespace

TEST_CASE("one round stores an article shared by two feeds once and writes it once") {
  HttpServer server;
  server.add_endpoint("/a.rss", 200, {{"Content-Type", "application/rss+xml"}}, rss_feed());
  server.add_endpoint("/b.atom", 200, {{"Content-Type", "application/atom+xml"}}, atom_feed());
  Setup s;
  s.write_config({server.url("/a.rss"), server.url("/b.atom")});

  auto r = s.once();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(server.requests("/a.rss") == 1);
  CHECK(server.requests("/b.atom") == 1);

  const auto entries = s.stored();
  CHECK(entries.size() == 3);
  std::size_t shared = 0;
  for (const auto& e : entries) shared += e.url.rfind(kShared, 0) == 0 ? 1 : 0;
  CHECK(shared == 1);

  const std::string atom = feedd::test::read_file(s.out / "feed.atom");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(atom.c_str()));
  CHECK(std::string(doc.document_element().name()) == "feed");
  CHECK(std::distance(doc.document_element().children("entry").begin(),
                      doc.document_element().children("entry").end()) == 3);
  CHECK(occurrences(atom, kShared) == 1);
  CHECK(std::filesystem::exists(s.out / "feed.rss"));

  const std::string digest = feedd::test::read_file(s.out / "digest" / "today");
  CHECK(occurrences(digest, kShared) == 1);
  CHECK(occurrences(digest, "\n") == 4);  // the header and three entries

  SUBCASE("a second round over unchanged feeds adds nothing") {
    auto again = s.once();
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(s.stored().size() == 3);
    CHECK(feedd::test::read_file(s.out / "digest" / "today") == digest);
    CHECK(feedd::test::read_file(s.out / "feed.atom") == atom);
    CHECK(server.requests("/a.rss") == 2);
  }
}

TEST_CASE("a round folds what the last one left in the WAL into the database file") {
  HttpServer server;
  server.add_endpoint("/a.rss", 200, {{"Content-Type", "application/rss+xml"}}, rss_feed());
  server.add_endpoint("/b.atom", 200, {{"Content-Type", "application/atom+xml"}}, atom_feed());
  Setup s;
  s.write_config({server.url("/a.rss"), server.url("/b.atom")});
  const auto db = s.dir.file("state/feedd.db");
  // The entries the database file holds by itself (a copy without the WAL); -1 when not
  // even the table is there.
  const auto in_file_alone = [&] {
    const auto copy = s.dir.file("alone.db");
    std::filesystem::remove(copy);
    std::filesystem::copy_file(db, copy);
    feedd::store::sql::Db alone(copy, SQLITE_OPEN_READWRITE);
    if (alone.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'entries'") == 0) return std::int64_t{-1};
    return alone.query_int("SELECT count(*) FROM entries");
  };

  auto first = s.once();
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  // A one-shot round ends without copying its writes out of the WAL ...
  CHECK(in_file_alone() < 3);
  REQUIRE(std::filesystem::file_size(db.string() + "-wal") > 0);

  // ... and the next one copies them while it fetches: the next open reads back only
  // what that round wrote.
  auto second = s.once();
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(in_file_alone() == 3);
  CHECK(s.stored().size() == 3);
}

TEST_CASE("a one-shot round checks the database's integrity once a day, the daemon at every start") {
  HttpServer server;
  server.add_endpoint("/a.rss", 200, {{"Content-Type", "application/rss+xml"}}, rss_feed());
  Setup s;
  s.write_config({server.url("/a.rss")});
  const auto db = s.dir.file("state/feedd.db");
  const auto passed_at = [&] {
    feedd::store::sql::Db d(db, SQLITE_OPEN_READONLY);
    return d.query_int("SELECT passed_at FROM integrity_check");
  };
  const auto set_passed_at = [&](std::int64_t when) {
    feedd::store::sql::Db d(db, SQLITE_OPEN_READWRITE);
    feedd::store::sql::Stmt set(d, "UPDATE integrity_check SET passed_at = ?1");
    set.bind(1, when).run();
  };
  const std::int64_t now = feedd::now_utc().time_since_epoch().count();

  REQUIRE(s.once().exit_code == 0);
  set_passed_at(now - 3600);
  REQUIRE(s.once().exit_code == 0);
  CHECK(passed_at() == now - 3600);  // checked an hour ago: not again

  set_passed_at(now - 25 * 3600);
  REQUIRE(s.once().exit_code == 0);
  CHECK(passed_at() >= now);  // a day old: checked, and recorded

  set_passed_at(now - 3600);
  std::filesystem::remove(s.out / "feed.atom");  // so that the daemon is seen to write it
  auto daemon = s.run_until_written(2);
  CHECK(passed_at() >= now);  // the daemon checks whenever it starts
  daemon->signal(SIGTERM);
  CHECK(daemon->wait(10s).exit_code == 0);
}

TEST_CASE("refused connections, a 404 and a non-XML body fail their feeds and spare the others") {
  HttpServer server;
  server.add_endpoint("/good.rss", 200, {}, rss_feed());
  server.add_endpoint("/missing.rss", 404, {}, "not here");
  server.add_endpoint("/junk.rss", 200, {{"Content-Type", "text/plain"}}, "this is not XML at all");
  const std::string refused = "http://127.0.0.1:" + std::to_string(feedd::test::unused_port()) + "/feed";
  Setup s;
  s.write_config({server.url("/good.rss"), server.url("/missing.rss"), server.url("/junk.rss"), refused});

  auto r = s.once();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(s.stored().size() == 2);
  CHECK(occurrences(feedd::test::read_file(s.out / "feed.atom"), "<entry>") == 2);

  const auto refused_lines = lines_with(r.err, "feed=" + refused + " ");
  REQUIRE(refused_lines.size() == 1);
  CHECK(refused_lines[0].find("refused") != std::string::npos);
  const auto missing_lines = lines_with(r.err, "feed=" + server.url("/missing.rss") + " ");
  REQUIRE(missing_lines.size() == 1);
  CHECK(missing_lines[0].find("404") != std::string::npos);
  const auto junk_lines = lines_with(r.err, "feed=" + server.url("/junk.rss") + " ");
  REQUIRE(junk_lines.size() == 1);
  CHECK(junk_lines[0].find("error=") != std::string::npos);
}

TEST_CASE("feedd run polls, writes the outputs and stops cleanly on SIGTERM") {
  HttpServer server;
  server.add_endpoint("/a.rss", 200, {}, rss_feed());
  Setup s;
  s.write_config({server.url("/a.rss")});
  auto daemon = s.run_until_written(2);
  daemon->signal(SIGTERM);
  auto r = daemon->wait(10s);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(server.requests("/a.rss") == 1);
}

TEST_CASE("a second feedd on the same database is refused while the first runs, and feedd feeds still reads it") {
  HttpServer server;
  server.add_endpoint("/a.rss", 200, {}, rss_feed());
  Setup s;
  s.write_config({server.url("/a.rss")});
  auto daemon = s.run_until_written(2);

  auto second = feedd::test::run({feedd::test::feedd_binary(), "once", "-c", s.config.string()});
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("another feedd process is using it") != std::string::npos);
  CHECK(second.err.find("feedd.db.lock") != std::string::npos);
  CHECK(server.requests("/a.rss") == 1);  // the refused one polled nothing

  auto feeds = feedd::test::run({feedd::test::feedd_binary(), "feeds", "-c", s.config.string()});
  CHECK(feeds.exit_code == 0);
  CHECK(feeds.out.find(server.url("/a.rss")) != std::string::npos);

  daemon->signal(SIGTERM);
  auto r = daemon->wait(10s);
  CHECK(r.exit_code == 0);
  // Once the first has stopped, the database is free again.
  auto after = feedd::test::run({feedd::test::feedd_binary(), "once", "-c", s.config.string()});
  INFO(after.err);
  CHECK(after.exit_code == 0);
}

TEST_CASE("the command line answers --help and --version and refuses unknown commands") {
  auto help = feedd::test::run({feedd::test::feedd_binary(), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("once") != std::string::npos);
  auto version = feedd::test::run({feedd::test::feedd_binary(), "--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("feedd ", 0) == 0);
  // The program runs on the allocator it was linked with: jemalloc, except in the
  // sanitizer builds.
  CHECK(version.out.find(FEEDD_JEMALLOC ? "\nallocator: jemalloc 5." : "\nallocator: the C library's malloc") !=
        std::string::npos);
  auto unknown = feedd::test::run({feedd::test::feedd_binary(), "frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("Usage") != std::string::npos);
  auto bad_option = feedd::test::run({feedd::test::feedd_binary(), "once", "--no-such-option"});
  CHECK(bad_option.exit_code == 2);
  auto no_command = feedd::test::run({feedd::test::feedd_binary()});
  CHECK(no_command.exit_code == 2);
}

TEST_CASE("an invalid config is refused with its problems and nothing runs") {
  TempDir dir;
  dir.write("bad.toml", "[fetch]\nmax_redirects = 99\n[[feed]]\nurl = \"https://example.org/rss\"\n");
  auto r = feedd::test::run({feedd::test::feedd_binary(), "once", "-c", dir.file("bad.toml").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.toml:2:17: fetch.max_redirects = 99 is out of range [0, 20]") != std::string::npos);
}

TEST_CASE("retention applies store.max_entries_per_feed at the end of a round") {
  // The first round sees only the older article; the second, both. (Declared before the
  // server, whose threads read them until it is destroyed.)
  const std::string full = rss_feed();
  const auto first_item = full.find("<item>");
  const auto second_item = full.find("<item>", first_item + 1);
  const std::string older_only = full.substr(0, first_item) + full.substr(second_item);
  std::atomic<int> round{0};
  HttpServer server;
  server.add_handler("/a.rss", [&](const feedd::test::HttpRequest&) {
    return feedd::test::response(200, {}, round.load() == 0 ? older_only : full);
  });
  Setup s;
  s.dir.write("feedd.toml", "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\n"
                            "[store]\nmax_entries_per_feed = 1\n"
                            "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\n");
  auto r = s.once();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(s.stored().size() == 1);

  // The second round stores the newer article (the document's newest; the older one it
  // already has), and retention then removes the older.
  round = 1;
  auto second = s.once();
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.err.find("new=1 duplicate=0 updated=0 beyond_cap=1") != std::string::npos);
  const auto kept = s.stored();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].url == kShared);
  // The pruned entry is remembered: the next round does not bring it back as new.
  auto again = s.once();
  REQUIRE(again.exit_code == 0);
  CHECK(s.stored().size() == 1);
  CHECK(again.err.find("new=0") != std::string::npos);
}

TEST_CASE("a feed of 300,000 tiny items costs one warning and the newest entries a feed keeps, not the round") {
  std::string huge = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Flood</title>";
  std::size_t items = 0;
  while (huge.size() < (std::size_t{15} << 20)) huge += "<item><link>https://flood.example/" + std::to_string(items++) + "</link></item>";
  huge += "</channel></rss>";
  REQUIRE(items > 250'000);
  HttpServer server;
  server.add_endpoint("/flood.rss", 200, {}, huge);
  server.add_endpoint("/a.rss", 200, {}, rss_feed());
  Setup s;
  s.dir.write("feedd.toml", "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\nlog_level = \"info\"\n"
                            "[store]\nmax_entries_per_feed = 100\n"
                            "[[feed]]\nurl = \"" + server.url("/flood.rss") + "\"\n"
                            "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\n");
  auto r = s.once();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto warnings = lines_with(r.err, "level=warning");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("feed=" + server.url("/flood.rss") + " entries_unread=" + std::to_string(items - 10'000)) !=
        std::string::npos);
  CHECK(r.err.find("new=100 duplicate=0 updated=0 beyond_cap=9900") != std::string::npos);
  // The digest shows what was stored: the flood's 100 and the other feed's two.
  const std::string digest = feedd::test::read_file(s.out / "digest" / "today");
  CHECK(occurrences(digest, "https://flood.example/") == 100);
  CHECK(occurrences(digest, kShared) == 1);
  CHECK(s.stored().size() == 102);

  // The next round says nothing new of it.
  auto again = s.once();
  REQUIRE(again.exit_code == 0);
  CHECK(lines_with(again.err, "level=warning").empty());
}

TEST_CASE("a feed that puts a new session id in every link at every poll shows each article once") {
  HttpServer server;
  std::atomic<int> served{0};
  server.add_handler("/session.rss", [&](const HttpRequest&) {
    const std::string session = "S" + std::to_string(++served);
    std::string body = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Sessions</title><link>https://s.example/</link><description>S</description>)";
    for (int n = 1; n <= 2; ++n) {
      const std::string i = std::to_string(n);
      body += "<item><title>Story " + i + "</title><link>https://s.example/story/" + i + ";jsessionid=" + session +
              "</link><guid isPermaLink=\"false\">story-" + i + "</guid>"
              "<pubDate>Thu, 27 Feb 2025 1" + i + ":00:00 GMT</pubDate></item>";
    }
    return HttpResponse{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = body + "</channel></rss>"};
  });
  Setup s;
  s.write_config({server.url("/session.rss")});

  auto first = s.once();
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  auto second = s.once();
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(served == 2);
  CHECK(second.err.find("new=0 duplicate=2 updated=0 relinked=2") != std::string::npos);

  const auto entries = s.stored();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].url == "https://s.example/story/2;jsessionid=S1");
  const std::string digest = feedd::test::read_file(s.out / "digest" / "today");
  CHECK(occurrences(digest, "\n") == 3);  // the header and two entries
  CHECK(occurrences(feedd::test::read_file(s.out / "feed.atom"), "<entry>") == 2);
}
