#include <doctest/doctest.h>

#include "schedule/hosts.hpp"

using feedd::schedule::host_of;
using feedd::schedule::HostSpacing;

TEST_CASE("feeds are grouped by host, port included, case and credentials ignored") {
  CHECK(host_of("https://Example.ORG/feed") == "example.org");
  CHECK(host_of("http://user:pw@example.org:8080/a?b#c") == "example.org:8080");
  CHECK(host_of("http://127.0.0.1:9/x") == "127.0.0.1:9");
  CHECK(host_of("file:///tmp/feed.xml") == "");
  CHECK(host_of("file:feed.xml") == "");
}

TEST_CASE("feeds of one host due at once start at least the gap apart, and other hosts are not held back") {
  HostSpacing spacing(1000);
  CHECK(spacing.reserve("a.example", 5000) == 5000);
  CHECK(spacing.reserve("a.example", 5000) == 6000);
  CHECK(spacing.reserve("a.example", 5000) == 7000);
  CHECK(spacing.reserve("b.example", 5000) == 5000);
  CHECK(spacing.reserve("a.example", 20000) == 20000);  // long after: no wait
  CHECK(spacing.reserve("", 5000) == 5000);
  CHECK(spacing.reserve("", 5000) == 5000);
}

TEST_CASE("after a Retry-After no feed of that host starts before the server's time") {
  HostSpacing spacing(1000);
  spacing.block("a.example", 125000);
  CHECK(spacing.blocked_until("a.example") == 125000);
  spacing.block("a.example", 10000);  // an earlier block does not shorten it
  CHECK(spacing.reserve("a.example", 5000) == 125000);
  CHECK(spacing.reserve("a.example", 5000) == 126000);
  CHECK(spacing.reserve("b.example", 5000) == 5000);
}

TEST_CASE("hosts with nothing pending are forgotten") {
  HostSpacing spacing(1000);
  spacing.reserve("a.example", 0);
  spacing.block("b.example", 60000);
  spacing.forget_before(30000);
  CHECK(spacing.size() == 1);
  CHECK(spacing.blocked_until("a.example") == 0);
  CHECK(spacing.blocked_until("b.example") == 60000);
}
