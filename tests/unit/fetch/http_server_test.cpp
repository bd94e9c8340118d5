// The loopback test server's own promises, checked with the fetch client as its peer.

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "fetch/client.hpp"
#include "support/http_server.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd {
namespace {

fetch::Response fetch_url(test::UvTestLoop& loop, fetch::Client& client, std::string url) {
  fetch::Request request;
  request.url = std::move(url);
  std::optional<fetch::Response> got;
  client.start(std::move(request), [&](fetch::Response r) { got = std::move(r); });
  REQUIRE(loop.run_until([&] { return got.has_value(); }));
  return std::move(*got);
}

}  // namespace

TEST_CASE("the test server answers unknown paths with 404 unless a fallback is set") {
  test::HttpServer server;
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  CHECK(fetch_url(loop, client, server.url("/nowhere")).status == 404);
  server.set_fallback([](const test::HttpRequest& r) { return test::response(200, {}, "fallback for " + r.path); });
  const fetch::Response r = fetch_url(loop, client, server.url("/elsewhere?x=1"));

  CHECK(r.status == 200);
  CHECK(r.body == "fallback for /elsewhere");
  CHECK(server.requests("/nowhere") == 1);
  CHECK(server.requests("/elsewhere") == 1);
  CHECK(server.total_requests() == 2);
  CHECK(server.last_request("/elsewhere")->target == "/elsewhere?x=1");
}

TEST_CASE("the test server closes the connection after a response marked close_after") {
  test::HttpServer server;
  test::HttpResponse once = test::response(200, {}, "bye");
  once.close_after = true;
  server.add_endpoint("/bye", once);
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  CHECK(fetch_url(loop, client, server.url("/bye")).body == "bye");
  CHECK(fetch_url(loop, client, server.url("/bye")).body == "bye");

  CHECK(server.connections_accepted() == 2);
  CHECK(server.max_concurrent_connections() == 1);
}

TEST_CASE("the test server turns a throwing handler into a 500") {
  test::HttpServer server;
  server.add_handler("/boom", [](const test::HttpRequest&) -> test::HttpResponse {
    throw std::runtime_error("scripted failure");
  });
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const fetch::Response r = fetch_url(loop, client, server.url("/boom"));

  CHECK(r.status == 500);
  CHECK(r.body == "handler threw: scripted failure\n");
}

TEST_CASE("the test server shuts down promptly while a response is still delayed") {
  test::UvTestLoop loop;
  fetch::Client client(loop.get());
  std::optional<fetch::Response> got;
  const auto started = std::chrono::steady_clock::now();
  {
    test::HttpServer server;
    test::HttpResponse late = test::response(200, {}, "late");
    late.delay = std::chrono::seconds(30);
    server.add_endpoint("/late", late);
    fetch::Request request;
    request.url = server.url("/late");
    client.start(std::move(request), [&](fetch::Response r) { got = std::move(r); });
    REQUIRE(loop.run_until([&] { return server.requests("/late") == 1; }));
    CHECK(server.open_connections() == 1);
  }
  REQUIRE(loop.run_until([&] { return got.has_value(); }));

  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(got->outcome == fetch::Outcome::transport);
}

}  // namespace feedd
