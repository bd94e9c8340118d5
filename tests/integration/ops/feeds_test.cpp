// `feedd feeds` as a real process, after a real round against a loopback HTTP server.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "integration/ops/ops_support.hpp"
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"

using feedd::test::lines_with;
using feedd::test::ops::run_feedd;

namespace {

const char* kRss = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire A</title><link>https://a.example/</link><description>A</description>
<item><title>One</title><link>https://a.example/1</link><pubDate>Thu, 27 Feb 2025 11:00:00 GMT</pubDate></item>
<item><title>Two</title><link>https://a.example/2</link><pubDate>Thu, 27 Feb 2025 12:00:00 GMT</pubDate></item>
</channel></rss>)";

}  // namespace

TEST_CASE("feeds lists every feed with its last poll, status, errors, next due time and entries") {
  feedd::test::HttpServer server;
  server.add_endpoint("/a.rss", 200, {{"Content-Type", "application/rss+xml"}}, kRss);
  server.add_endpoint("/missing.rss", 404, {}, "not here");
  feedd::test::TempDir dir("feedd-feeds");
  const std::string good = server.url("/a.rss");
  const std::string missing = server.url("/missing.rss");
  std::string text = "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\n"
                     "[[feed]]\nurl = \"" + good + "\"\n"
                     "[[feed]]\nurl = \"" + missing + "\"\ntitle = \"Gone\"\n";
  const auto config = dir.write("feedd.toml", text);
  const auto round = run_feedd({"once", "-c", config.string()});
  REQUIRE(round.exit_code == 1);  // the 404 fails its feed

  // A feed added after the round has never been polled.
  dir.write("feedd.toml", text + "[[feed]]\nurl = \"https://new.example/feed\"\n");

  const auto table = run_feedd({"feeds", "-c", config.string()});
  INFO((table.out + table.err));
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("URL", 0) == 0);
  CHECK(table.out.find("LAST POLL") != std::string::npos);
  const auto good_line = lines_with(table.out, good + " ");
  REQUIRE(good_line.size() == 1);
  CHECK(good_line[0].find(" Wire A ") != std::string::npos);
  CHECK(good_line[0].find(" 200 ") != std::string::npos);
  CHECK(good_line[0].find("(interval 30m)") != std::string::npos);
  const auto missing_line = lines_with(table.out, missing + " ");
  REQUIRE(missing_line.size() == 1);
  CHECK(missing_line[0].find(" Gone ") != std::string::npos);
  CHECK(missing_line[0].find(" 404 ") != std::string::npos);
  CHECK(missing_line[0].find("error: HTTP status 404") != std::string::npos);
  const auto new_line = lines_with(table.out, "https://new.example/feed");
  REQUIRE(new_line.size() == 1);
  CHECK(new_line[0].ends_with("never polled"));

  const auto json = run_feedd({"feeds", "-c", config.string(), "--json"});
  REQUIRE(json.exit_code == 0);
  const auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["database"] == dir.file("state/feedd.db").string());
  const auto& feeds = doc["feeds"];
  REQUIRE(feeds.size() == 3);
  CHECK(feeds[0]["url"] == good);
  CHECK(feeds[0]["title"] == "Wire A");
  CHECK(feeds[0]["polled"] == true);
  CHECK(feeds[0]["last_status"] == 200);
  CHECK(feeds[0]["consecutive_errors"] == 0);
  CHECK(feeds[0]["entries"] == 2);
  CHECK(feeds[0]["next_due_reason"] == "interval 30m");
  CHECK(feeds[0].contains("last_poll"));
  CHECK(feeds[0].contains("next_due"));
  CHECK_FALSE(feeds[0].contains("last_error"));
  CHECK(feeds[1]["last_status"] == 404);
  CHECK(feeds[1]["consecutive_errors"] == 1);
  CHECK(feeds[1]["last_error"] == "HTTP status 404");
  CHECK(feeds[1]["entries"] == 0);
  CHECK(feeds[2]["url"] == "https://new.example/feed");
  CHECK(feeds[2]["polled"] == false);
  CHECK_FALSE(feeds[2].contains("last_poll"));
}

TEST_CASE("feeds before the first poll lists the config's feeds, one line each, and creates no database") {
  feedd::test::TempDir dir("feedd-feeds");
  const auto config = dir.write("feedd.toml", "[feedd]\ndatabase = \"state/feedd.db\"\n"
                                              "[[feed]]\nurl = \"https://a.example/feed\"\ntitle = \"Two\\nlines\"\n");
  const auto r = run_feedd({"feeds", "-c", config.string()});
  INFO((r.out + r.err));
  REQUIRE(r.exit_code == 0);
  const auto line = lines_with(r.out, "https://a.example/feed");
  REQUIRE(line.size() == 1);
  CHECK(line[0].ends_with("never polled"));
  CHECK(line[0].find(" Two lines ") != std::string::npos);  // one line per feed, whatever its title
  CHECK_FALSE(std::filesystem::exists(dir.file("state")));
}

TEST_CASE("feeds refuses a database that is not feedd's, naming it") {
  feedd::test::TempDir dir("feedd-feeds");
  const auto config = dir.write("feedd.toml", "[feedd]\ndatabase = \"junk.db\"\n"
                                              "[[feed]]\nurl = \"https://a.example/feed\"\n");
  dir.write("junk.db", "this is not an SQLite database, only text long enough to look like a file");
  const auto r = run_feedd({"feeds", "-c", config.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("feedd: store " + dir.file("junk.db").string() + ": ") == 0);
}
