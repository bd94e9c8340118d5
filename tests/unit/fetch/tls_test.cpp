// fetch::Client over https: nginx on 127.0.0.1 with TLS and HTTP/2, its certificate
// issued by a CA made for the test and trusted only through Request::ca_file.

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fetch/client.hpp"
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_nginx.hpp"
#include "support/fetch_one.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd {
using test::fetch_one;

namespace {

using fetch::Outcome;
using fetch::Request;
using fetch::Response;

Request get(std::string url, std::string ca_file = {}) {
  Request request;
  request.url = std::move(url);
  request.ca_file = std::move(ca_file);
  return request;
}

// A feed large enough to take many HTTP/2 DATA frames.
std::string big_feed() {
  std::string feed = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>TLS</title>\n";
  for (int i = 0; i < 2000; ++i) {
    feed += "<item><title>Item " + std::to_string(i) + "</title><guid>tls-" + std::to_string(i) + "</guid></item>\n";
  }
  return feed + "</channel></rss>\n";
}

std::string describe(const std::vector<test::AccessLogLine>& log) {
  std::string text;
  for (const auto& l : log) text += l.connection + " " + l.protocol + " " + std::to_string(l.status) + " " + l.uri + "\n";
  return text;
}

}  // namespace

TEST_CASE("an https feed from a server the CA file vouches for arrives whole, over HTTP/2") {
  test::TlsNginx server;
  const std::string feed = big_feed();
  server.write_file("feed.rss", feed);
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  const Response r = fetch_one(loop, client, get(server.url("/feed.rss"), server.ca_file().string()));

  INFO(r.error, "\n", server.error_log());
  CHECK(r.outcome == Outcome::ok);
  CHECK(r.error.empty());
  CHECK(r.status == 200);
  CHECK(r.http_version == "2");
  CHECK(r.body == feed);
  CHECK(r.content_type == "application/rss+xml");
  CHECK_FALSE(r.etag.empty());  // static files carry validators over HTTP/2 too
  const auto log = server.access_log(1);
  REQUIRE(log.size() == 1);
  CHECK(log[0].protocol == "HTTP/2.0");
  CHECK(log[0].status == 200);
}

TEST_CASE("a server whose certificate nothing trusted issued fails with a TLS error and no response") {
  test::TlsNginx server;
  server.write_file("feed.rss", "<rss/>");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());

  SUBCASE("without a CA file: the system's store does not know the test CA") {
    const Response r = fetch_one(loop, client, get(server.url("/feed.rss")));
    INFO(r.error);
    CHECK(r.outcome == Outcome::transport);
    CHECK(r.error.rfind("TLS error: ", 0) == 0);
    CHECK(r.error.find("certificate") != std::string::npos);
    CHECK(r.status == 0);
    CHECK(r.body.empty());
    CHECK(r.http_version.empty());
  }
  SUBCASE("with a CA file that holds no certificate") {
    test::TempDir dir("feedd-tls-ca");
    const auto junk = dir.write("junk.pem", "not a certificate\n");
    const Response r = fetch_one(loop, client, get(server.url("/feed.rss"), junk.string()));
    INFO(r.error);
    CHECK(r.outcome == Outcome::transport);
    CHECK(r.error.rfind("TLS error: ", 0) == 0);
    CHECK(r.body.empty());
  }
  SUBCASE("with a CA file that does not exist") {
    const Response r = fetch_one(loop, client, get(server.url("/feed.rss"), "/nonexistent/feedd-ca.pem"));
    INFO(r.error);
    CHECK(r.outcome == Outcome::transport);
    CHECK(r.error.rfind("TLS error: ", 0) == 0);
  }
  // Refused during the handshake: no request reached nginx.
  CHECK(server.access_log().empty());
}

TEST_CASE("polls of several feeds on one https host share one HTTP/2 connection") {
  test::TlsNginx server;
  for (const char* name : {"a.rss", "b.atom", "c.xml"}) server.write_file(name, std::string("<rss>") + name + "</rss>");
  test::UvTestLoop loop;
  fetch::ClientOptions options;
  options.max_host_connections = 1;
  fetch::Client client(loop.get(), options);
  const std::string ca = server.ca_file().string();

  // One after another, as a poll round of feeds due at different times would.
  for (const char* name : {"a.rss", "b.atom", "c.xml"}) {
    const Response r = fetch_one(loop, client, get(server.url("/") + name, ca));
    CHECK(r.status == 200);
    CHECK(r.body == std::string("<rss>") + name + "</rss>");
    CHECK(r.http_version == "2");
  }
  // And all at once, as feeds due together are.
  int ok = 0;
  int done = 0;
  for (int i = 0; i < 6; ++i) {
    const char* name = i % 2 == 0 ? "a.rss" : "b.atom";
    client.start(get(server.url("/") + name + "?n=" + std::to_string(i), ca), [&, name](Response r) {
      ++done;
      if (r.outcome == Outcome::ok && r.status == 200 && r.http_version == "2" &&
          r.body == std::string("<rss>") + name + "</rss>") {
        ++ok;
      }
    });
  }
  REQUIRE(loop.run_until([&] { return done == 6; }));
  CHECK(ok == 6);

  const auto log = server.access_log(9);
  INFO(describe(log));
  REQUIRE(log.size() == 9);
  std::set<std::string> connections;
  for (const auto& line : log) {
    connections.insert(line.connection);
    CHECK(line.protocol == "HTTP/2.0");
    CHECK(line.status == 200);
  }
  CHECK(connections.size() == 1);
}

TEST_CASE("a plain http response reports HTTP/1.1") {
  test::HttpServer server;
  server.add_endpoint("/feed", 200, {}, "x");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());
  const Response r = fetch_one(loop, client, get(server.url("/feed")));
  CHECK(r.outcome == Outcome::ok);
  CHECK(r.http_version == "1.1");
}

}  // namespace feedd
