#include <doctest/doctest.h>

#include "app/poll.hpp"

using feedd::app::interpret;
using feedd::fetch::Outcome;
using feedd::fetch::Response;
using feedd::store::FeedState;

namespace {

const feedd::Instant kNow{std::chrono::seconds{1740668640}};

FeedState known_feed() {
  FeedState s;
  s.id = 7;
  s.url = "https://example.org/rss";
  s.etag = "\"v1\"";
  s.last_modified = "Thu, 27 Feb 2025 10:00:00 GMT";
  s.consecutive_errors = 2;
  s.last_error = "HTTP status 500";
  return s;
}

Response http(long status, std::string body = {}) {
  Response r;
  r.outcome = Outcome::ok;
  r.status = status;
  r.body = std::move(body);
  r.effective_url = "https://example.org/rss";
  return r;
}

}  // namespace

TEST_CASE("a 304 keeps both stored validators, parses nothing and clears the error count") {
  auto out = interpret(known_feed(), http(304), kNow);
  CHECK_FALSE(out.failed);
  CHECK_FALSE(out.parsed.has_value());
  CHECK(out.state.etag == "\"v1\"");
  CHECK(out.state.last_modified == "Thu, 27 Feb 2025 10:00:00 GMT");
  CHECK(out.state.consecutive_errors == 0);
  CHECK(out.state.last_error.empty());
  CHECK(out.state.last_success == kNow);
}

TEST_CASE("a 304 that carries a new ETag replaces the stored one") {
  auto response = http(304);
  response.etag = "\"v2\"";
  auto out = interpret(known_feed(), response, kNow);
  CHECK(out.state.etag == "\"v2\"");
  CHECK(out.state.last_modified == "Thu, 27 Feb 2025 10:00:00 GMT");
}

TEST_CASE("a 200 with a feed takes the new validators and the feed's title") {
  auto response = http(200, "<rss version=\"2.0\"><channel><title>T</title><link>https://example.org/</link>"
                            "<item><title>A</title><link>https://example.org/a</link></item></channel></rss>");
  response.etag = "\"v3\"";
  auto out = interpret(known_feed(), response, kNow);
  CHECK_FALSE(out.failed);
  REQUIRE(out.parsed.has_value());
  CHECK(out.parsed->entries.size() == 1);
  CHECK(out.state.etag == "\"v3\"");
  CHECK(out.state.last_modified.empty());
  CHECK(out.state.title == "T");
  CHECK(out.state.site_link == "https://example.org/");
}

TEST_CASE("a 200 whose body is not a feed is an error that keeps the validators") {
  auto out = interpret(known_feed(), http(200, "<html><body>hello</body></html>"), kNow);
  CHECK(out.failed);
  CHECK(out.state.consecutive_errors == 3);
  CHECK(out.state.last_error.find("not a feed") != std::string::npos);
  CHECK(out.state.etag == "\"v1\"");
}

TEST_CASE("a 410 disables the feed with the reason") {
  auto out = interpret(known_feed(), http(410), kNow);
  CHECK(out.failed);
  CHECK(out.state.disabled_reason.find("410 Gone") != std::string::npos);
}

TEST_CASE("a server error and a transport error count as consecutive errors") {
  auto server_error = interpret(known_feed(), http(503), kNow);
  CHECK(server_error.failed);
  CHECK(server_error.state.consecutive_errors == 3);
  CHECK(server_error.state.last_error == "HTTP status 503");
  Response refused;
  refused.outcome = Outcome::transport;
  refused.error = "connection refused";
  auto transport = interpret(known_feed(), refused, kNow);
  CHECK(transport.state.last_error == "connection refused");
  CHECK(transport.state.last_status == 0);
  CHECK(transport.state.last_poll == kNow);
}
