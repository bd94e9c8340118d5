// The log's shape, seen from outside: key=value lines on stderr, a timestamp of our own
// unless JOURNAL_STREAM names the stream stderr is (then a syslog priority prefix instead).

#include <doctest/doctest.h>

#include <signal.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "integration/ops/ops_support.hpp"
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

using feedd::test::ops::run_feedd;

namespace {

// A config the daemon refuses: it logs two error lines and exits 1 at once.
std::filesystem::path bad_config(const feedd::test::TempDir& dir) {
  return dir.write("bad.toml", "[fetch]\nmax_redirects = 99\n[[feed]]\nurl = \"https://example.org/rss\"\n");
}

// Runs feedd with stderr on a file and JOURNAL_STREAM set by the shell to `stream`, where
// "$(stderr)" stands for the DEVICE:INODE of that very file.
feedd::test::ProcessResult with_journal_stream(const std::string& stream, const std::filesystem::path& config) {
  const std::string script = "JOURNAL_STREAM=" + stream + " exec \"$0\" run -c \"$1\"";
  return feedd::test::run({"/bin/sh", "-c", script, feedd::test::feedd_binary(), config.string()});
}

}  // namespace

TEST_CASE("on a terminal or a file every log line starts with a UTC timestamp, then key=value") {
  feedd::test::TempDir dir("feedd-log");
  const auto r = run_feedd({"run", "-c", bad_config(dir).string()});
  REQUIRE(r.exit_code == 1);
  const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=error module=app .+)");
  std::istringstream lines(r.err);
  std::size_t count = 0;
  for (std::string l; std::getline(lines, l); ++count) CHECK_MESSAGE(std::regex_match(l, line), l);
  CHECK(count == 2);
}

TEST_CASE("when JOURNAL_STREAM names stderr, lines carry a priority prefix and no timestamp") {
  feedd::test::TempDir dir("feedd-log");
  const auto r = with_journal_stream("$(stat -L -c %d:%i /proc/self/fd/2)", bad_config(dir));
  REQUIRE(r.exit_code == 1);
  std::istringstream lines(r.err);
  std::size_t count = 0;
  for (std::string l; std::getline(lines, l); ++count) {
    CHECK_MESSAGE(l.rfind("<3>level=error module=app ", 0) == 0, l);
  }
  CHECK(count == 2);
  CHECK(r.err.find("<3>level=error module=app config: " + dir.file("bad.toml").string() +
                   ":2:17: fetch.max_redirects = 99 is out of range [0, 20]; the default is 5\n") != std::string::npos);
}

TEST_CASE("a JOURNAL_STREAM naming another stream, inherited past a redirection, is ignored") {
  feedd::test::TempDir dir("feedd-log");
  const auto r = with_journal_stream("$(stat -L -c %d:%i /)", bad_config(dir));
  REQUIRE(r.exit_code == 1);
  CHECK(r.err.find("<3>") == std::string::npos);
  CHECK(std::regex_search(r.err, std::regex(R"(^\d{4}-\d\d-\d\dT)")));
}

TEST_CASE("the config's log level applies, and --log-level overrides it") {
  feedd::test::TempDir dir("feedd-log");
  dir.write("feed.rss", R"(<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>https://a.example/1</link></item></channel></rss>)");
  const auto config = dir.write("feedd.toml", "[feedd]\nlog_level = \"warn\"\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                                              "[[feed]]\nurl = \"file:feed.rss\"\n");
  const auto quiet = run_feedd({"once", "-c", config.string()});
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.err.find("level=info") == std::string::npos);

  const auto verbose = run_feedd({"-v", "once", "-c", config.string()});
  REQUIRE(verbose.exit_code == 0);
  CHECK(verbose.err.find("level=info") != std::string::npos);

  const auto loud = run_feedd({"--log-level", "info", "once", "-c", config.string()});
  REQUIRE(loud.exit_code == 0);
  // One info line for the poll: the feed, its status, bytes, time taken and new entries
  // (none: the quiet round before stored the only one).
  const auto polls = feedd::test::lines_with(loud.err, "feed=file://");
  REQUIRE(polls.size() == 1);
  CHECK(std::regex_search(polls[0], std::regex(R"(level=info module=app feed=file://\S+ status=\d+ bytes=\d+ ms=\d+ new=0 )")));
}

TEST_CASE("a feed that keeps failing is logged when its error changes, not at every poll") {
  feedd::test::HttpServer server;
  server.add_endpoint("/gone.rss", 404, {}, "not here");
  feedd::test::TempDir dir("feedd-log");
  const auto config = dir.write("feedd.toml", "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                                              "[[feed]]\nurl = \"" + server.url("/gone.rss") + "\"\n");
  const std::string feed = "feed=" + server.url("/gone.rss") + " ";
  const auto first = run_feedd({"once", "-c", config.string()});
  CHECK(first.exit_code == 1);
  const auto first_lines = feedd::test::lines_with(first.err, feed);
  REQUIRE(first_lines.size() == 1);
  CHECK(first_lines[0].find("level=warn") != std::string::npos);
  CHECK(first_lines[0].find("error=\"HTTP status 404\"") != std::string::npos);

  const auto second = run_feedd({"once", "-c", config.string()});
  CHECK(second.exit_code == 1);
  CHECK(feedd::test::lines_with(second.err, feed).empty());
  CHECK(server.requests("/gone.rss") == 2);
}

TEST_CASE("the daemon names each feed failing when it starts, once, then only a change of its error") {
  feedd::test::HttpServer server;
  server.add_endpoint("/gone.rss", 404, {}, "not here");
  server.add_endpoint("/fine.rss", 200, {},
                      "<rss version=\"2.0\"><channel><title>F</title><item><title>A</title>"
                      "<link>https://fine.example/a</link></item></channel></rss>");
  feedd::test::TempDir dir("feedd-log");
  const auto config = dir.write("feedd.toml", "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                                              "[schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\n"
                                              "max_interval = \"1s\"\njitter_percent = 0\n"
                                              "[[feed]]\nurl = \"" + server.url("/gone.rss") + "\"\n"
                                              "[[feed]]\nurl = \"" + server.url("/fine.rss") + "\"\n");
  const std::string gone = "feed=" + server.url("/gone.rss") + " ";
  REQUIRE(run_feedd({"once", "-c", config.string()}).exit_code == 1);
  REQUIRE(run_feedd({"once", "-c", config.string()}).exit_code == 1);

  feedd::test::Process daemon({feedd::test::feedd_binary(), "run", "-c", config.string()});
  // Three polls by this daemon.
  REQUIRE(feedd::test::eventually([&] { return server.requests("/gone.rss") >= 5; }));
  daemon.signal(SIGTERM);
  const auto r = daemon.wait(std::chrono::seconds(10));
  REQUIRE(r.exit_code == 0);
  const auto lines = feedd::test::lines_with(r.err, gone);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("level=warn") != std::string::npos);
  CHECK(lines[0].find("errors=2 error=\"HTTP status 404\" \"failing when the daemon started\"") !=
        std::string::npos);
  CHECK(feedd::test::lines_with(r.err, "failing when the daemon started").size() == 1);  // not the fine one
}

TEST_CASE("a value with a line break or an escape sequence stays on its event's one line") {
  // The output directory's name holds a newline and a terminal escape; the daemon cannot
  // create it and logs its name.
  feedd::test::TempDir dir("feedd-log");
  const auto config = dir.write("c.toml",
                                "[feedd]\noutput_dir = \"/proc/no\\nway\\u001b[31m\"\n"
                                "[[feed]]\nurl = \"https://example.org/rss\"\n");
  const auto r = run_feedd({"once", "-c", config.string()});
  REQUIRE(r.exit_code == 1);
  CHECK(r.err.find('\x1b') == std::string::npos);
  std::istringstream lines(r.err);
  std::vector<std::string> all;
  for (std::string l; std::getline(lines, l);) all.push_back(l);
  REQUIRE(all.size() == 1);
  CHECK_MESSAGE(all[0].find(R"(output_dir=/proc/no\nway\x1B[31m error="cannot create: )") != std::string::npos,
                all[0]);
}
