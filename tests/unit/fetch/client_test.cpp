// fetch::Client over real sockets on 127.0.0.1, against the scriptable test server.

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>

#include "fetch/client.hpp"
#include "support/http_server.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd {
namespace {

using fetch::Outcome;
using fetch::Request;
using fetch::Response;

Request get(std::string url) {
  Request request;
  request.url = std::move(url);
  return request;
}

// Starts one request and runs the loop until its callback has run.
Response fetch_one(test::UvTestLoop& loop, fetch::Client& client, Request request) {
  std::optional<Response> got;
  client.start(std::move(request), [&](Response r) { got = std::move(r); });
  REQUIRE(loop.run_until([&] { return got.has_value(); }));
  return std::move(*got);
}

}  // namespace

TEST_CASE("a 200 response delivers the body and captures the validators and cache headers") {
  test::HttpServer server;
  server.add_endpoint("/feed.xml", 200,
                      {{"Content-Type", "application/rss+xml; charset=utf-8"},
                       {"ETag", "\"abc-123\""},
                       {"Last-Modified", "Thu, 27 Feb 2025 15:04:00 GMT"},
                       {"Cache-Control", "max-age=600"},
                       {"Expires", "Thu, 27 Feb 2025 16:04:00 GMT"},
                       {"Retry-After", "120"}},
                      "<rss version=\"2.0\"></rss>");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(loop, client, get(server.url("/feed.xml")));

  CHECK(r.outcome == Outcome::ok);
  CHECK(r.error.empty());
  CHECK(r.status == 200);
  CHECK(r.body == "<rss version=\"2.0\"></rss>");
  CHECK(r.content_type == "application/rss+xml; charset=utf-8");
  CHECK(r.etag == "\"abc-123\"");
  CHECK(r.last_modified == "Thu, 27 Feb 2025 15:04:00 GMT");
  CHECK(r.cache_control == "max-age=600");
  CHECK(r.expires == "Thu, 27 Feb 2025 16:04:00 GMT");
  CHECK(r.retry_after == "120");
  CHECK(r.effective_url == server.url("/feed.xml"));
  CHECK(r.redirects.empty());
  CHECK(r.bytes_received == r.body.size());
  CHECK(server.requests("/feed.xml") == 1);
}

TEST_CASE("a request without stored validators sends no conditional headers and names feedd") {
  test::HttpServer server;
  server.add_endpoint("/feed.xml", 200, {}, "x");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(loop, client, get(server.url("/feed.xml")));

  REQUIRE(r.outcome == Outcome::ok);
  const auto request = server.last_request("/feed.xml");
  REQUIRE(request.has_value());
  CHECK_FALSE(request->header("If-None-Match").has_value());
  CHECK_FALSE(request->header("If-Modified-Since").has_value());
  const std::string agent = request->header("User-Agent").value_or("");
  CHECK(agent.starts_with("feedd/"));
  CHECK(agent.find("https://") != std::string::npos);
}

TEST_CASE("a conditional GET sends both stored validators verbatim and a 304 has no body") {
  const std::string etag = "W/\"weak, with comma\"";
  const std::string last_modified = "Thu, 27 Feb 2025 15:04:00 GMT";
  test::HttpServer server;
  server.add_handler("/feed.xml", [&](const test::HttpRequest& request) {
    const bool fresh = request.header("If-None-Match") == etag &&
                       request.header("If-Modified-Since") == last_modified;
    if (fresh) return test::response(304, {{"ETag", etag}});
    return test::response(200, {}, "changed");
  });
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  Request request = get(server.url("/feed.xml"));
  request.etag = etag;
  request.last_modified = last_modified;
  const Response r = fetch_one(loop, client, request);

  CHECK(r.outcome == Outcome::ok);
  CHECK(r.status == 304);
  CHECK(r.body.empty());
  CHECK(r.etag == etag);
  const auto seen = server.last_request("/feed.xml");
  REQUIRE(seen.has_value());
  CHECK(seen->header("If-None-Match") == etag);
  CHECK(seen->header("If-Modified-Since") == last_modified);
}

TEST_CASE("a gzip-encoded body arrives decoded") {
  const std::string document = std::string("<feed>") + std::string(5000, 'a') + "</feed>";
  const std::string compressed = test::gzip(document);
  REQUIRE(compressed.size() < document.size());
  test::HttpServer server;
  server.add_endpoint("/gz", 200, {{"Content-Encoding", "gzip"}}, compressed);
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(loop, client, get(server.url("/gz")));

  CHECK(r.outcome == Outcome::ok);
  CHECK(r.body == document);
  CHECK(r.bytes_received == compressed.size());
  const auto request = server.last_request("/gz");
  REQUIRE(request.has_value());
  CHECK(request->header("Accept-Encoding").value_or("").find("gzip") != std::string::npos);
}

TEST_CASE("a chain of 301s is reported hop by hop and the final response is used") {
  test::HttpServer server;
  server.add_endpoint("/a", 301, {{"Location", "/b"}}, "moved to b");
  server.add_endpoint("/b", 302, {{"Location", server.url("/c")}}, "");
  server.add_endpoint("/c", 308, {{"Location", "d"}, {"ETag", "\"not-final\""}}, "");
  server.add_endpoint("/d", 200, {{"ETag", "\"final\""}}, "the end");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(loop, client, get(server.url("/a")));

  CHECK(r.outcome == Outcome::ok);
  CHECK(r.status == 200);
  CHECK(r.body == "the end");
  CHECK(r.etag == "\"final\"");
  CHECK(r.effective_url == server.url("/d"));
  REQUIRE(r.redirects.size() == 3);
  CHECK(r.redirects[0] == std::pair<long, std::string>{301, server.url("/b")});
  CHECK(r.redirects[1] == std::pair<long, std::string>{302, server.url("/c")});
  CHECK(r.redirects[2] == std::pair<long, std::string>{308, server.url("/d")});
}

TEST_CASE("a refused connection is a transport error") {
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(
      loop, client, get("http://127.0.0.1:" + std::to_string(test::unused_port()) + "/feed"));

  CHECK(r.outcome == Outcome::transport);
  CHECK(r.status == 0);
  CHECK(r.error == "connection refused");
}

}  // namespace feedd
