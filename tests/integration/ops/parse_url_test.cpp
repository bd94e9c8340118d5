// `feedd parse URL` as a real process against a loopback HTTP server: the document is
// fetched as a poll fetches it, and read as the daemon would read it.

#include <algorithm>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "integration/ops/ops_support.hpp"
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"

using feedd::test::ops::run_feedd;

namespace {

// Relative links: they resolve against where the document ended up.
const char* kAtom = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Relative</title><id>urn:x</id>
<updated>2025-02-27T12:00:00Z</updated>
<entry><title>One</title><id>urn:x:1</id><link href="posts/1"/><updated>2025-02-27T12:00:00Z</updated></entry>
</feed>)";

}  // namespace

TEST_CASE("parse fetches a URL as a poll does: redirects followed, links resolved where it ended up") {
  feedd::test::HttpServer server;
  server.add_endpoint("/moved", 301, {{"Location", "/news/feed.atom"}}, "");
  server.add_endpoint("/news/feed.atom", 200, {{"Content-Type", "application/atom+xml"}}, kAtom);
  const auto r = run_feedd({"parse", "--json", server.url("/moved")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["format"] == "atom10");
  REQUIRE(doc["entries"].size() == 1);
  CHECK(doc["entries"][0]["link"] == server.url("/news/posts/1"));
  const auto request = server.last_request("/news/feed.atom");
  REQUIRE(request.has_value());
  CHECK(request->header("User-Agent").value_or("").rfind("feedd/", 0) == 0);

  SUBCASE("a file:// URL is read as a feed configured with one is") {
    feedd::test::TempDir dir("feedd-parse");
    const auto file = dir.write("feed.atom", kAtom);
    const auto local = run_feedd({"parse", "--json", "file://" + file.string()});
    INFO(local.err);
    REQUIRE(local.exit_code == 0);
    CHECK(nlohmann::json::parse(local.out)["entries"][0]["link"] == "file://" + (dir.path() / "posts/1").string());
  }

  SUBCASE("--base-url still decides where relative links point") {
    const auto based = run_feedd({"parse", "--json", "--base-url", "https://mirror.example/feeds/x", server.url("/moved")});
    REQUIRE(based.exit_code == 0);
    CHECK(nlohmann::json::parse(based.out)["entries"][0]["link"] == "https://mirror.example/feeds/posts/1");
  }
}

TEST_CASE("parse takes the charset from the server's Content-Type and reads a gzip body") {
  feedd::test::HttpServer server;
  // Latin-1 bytes, and an XML declaration that names no encoding: only the header tells.
  const std::string latin1 = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Caf\xE9</title>"
                             "<link>https://c.example/</link><description>d</description></channel></rss>";
  server.add_endpoint("/latin1.rss", 200, {{"Content-Type", "application/rss+xml; charset=iso-8859-1"}}, latin1);
  server.add_endpoint("/zipped.rss", 200,
                      {{"Content-Type", "application/rss+xml; charset=iso-8859-1"}, {"Content-Encoding", "gzip"}},
                      feedd::test::gzip(latin1));
  for (const char* path : {"/latin1.rss", "/zipped.rss"}) {
    CAPTURE(path);
    const auto r = run_feedd({"parse", "--json", server.url(path)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["title"] == "Caf\xC3\xA9");
  }
}

TEST_CASE("parse of a URL that gives no feed exits 1 with one line saying why") {
  feedd::test::HttpServer server;
  server.add_endpoint("/missing", 404, {}, "not here");
  server.add_endpoint("/page", 200, {{"Content-Type", "text/html"}}, "<!DOCTYPE html><html><body>hi</body></html>");
  const std::string refused = "http://127.0.0.1:" + std::to_string(feedd::test::unused_port()) + "/feed";
  const std::vector<std::pair<std::string, std::string>> cases{
      {server.url("/missing"), "HTTP status 404"},
      {server.url("/page"), "not a feed"},
      {refused, "connection refused"},
  };
  for (const auto& [url, why] : cases) {
    CAPTURE(url);
    const auto r = run_feedd({"parse", url});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("feedd: " + url + ": ", 0) == 0);
    CHECK(r.err.find(why) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}
