#include <doctest/doctest.h>

#include <string>

#include "feed/dates.hpp"

using namespace feedd;
using namespace feedd::feed;

namespace {

std::string utc(std::string_view text) {
  const auto t = parse_date(text);
  return t ? format_rfc3339(*t) : std::string("absent");
}

}  // namespace

TEST_CASE("RFC 822 dates with numeric zones become UTC") {
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 GMT") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 10:04:00 -0500") == "2025-02-27T15:04:00Z");
  CHECK(utc("Fri, 28 Feb 2025 00:34:00 +0930") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 16:04:00 +01:00") == "2025-02-27T15:04:00Z");
}

TEST_CASE("RFC 822 named zones are understood, US and European") {
  CHECK(utc("Thu, 27 Feb 2025 07:04:00 PST") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 11:04:00 EDT") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 16:04:00 CET") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 UT") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 utc") == "2025-02-27T15:04:00Z");
}

TEST_CASE("military zones read as UTC, as RFC 2822 says their signs cannot be trusted") {
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 Z") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 A") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 J") == "absent");  // J is not a zone
}

TEST_CASE("two-digit years follow RFC 2822: 00-49 are 20xx, 50-99 are 19xx") {
  CHECK(utc("Mon, 06 Sep 04 16:45:00 GMT") == "2004-09-06T16:45:00Z");
  CHECK(utc("Mon, 06 Sep 99 16:45:00 GMT") == "1999-09-06T16:45:00Z");
}

TEST_CASE("missing seconds, weekday or zone are tolerated") {
  CHECK(utc("Thu, 27 Feb 2025 15:04 GMT") == "2025-02-27T15:04:00Z");
  CHECK(utc("27 Feb 2025 15:04:00 GMT") == "2025-02-27T15:04:00Z");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00") == "2025-02-27T15:04:00Z");
  CHECK(utc("27 Feb 2025") == "2025-02-27T00:00:00Z");
}

TEST_CASE("a wrong weekday does not change the date") {
  CHECK(utc("Mon, 27 Feb 2025 15:04:00 GMT") == "2025-02-27T15:04:00Z");
}

TEST_CASE("odd spacing and full or lower-case month and day names are read") {
  CHECK(utc("Thu,27 Feb 2025 15:04:00 GMT") == "2025-02-27T15:04:00Z");
  CHECK(utc("  Thursday,  27   February  2025   15:04:00   GMT ") == "2025-02-27T15:04:00Z");
  CHECK(utc("thu, 27 feb 2025 15:04:00 gmt") == "2025-02-27T15:04:00Z");
  CHECK(utc("Tue, 02 Sept 2025 10:00:00 GMT") == "2025-09-02T10:00:00Z");
  CHECK(utc("Thu, 6 Mar 2025 1:02:03 +0000") == "2025-03-06T01:02:03Z");
}

TEST_CASE("RFC 850 and asctime dates are read") {
  CHECK(utc("Sunday, 06-Nov-94 08:49:37 GMT") == "1994-11-06T08:49:37Z");
  CHECK(utc("Sun Nov  6 08:49:37 1994") == "1994-11-06T08:49:37Z");
}

TEST_CASE("RFC 3339 and W3CDTF dates, with or without fractions, zone or time") {
  CHECK(utc("2025-02-27T15:04:00Z") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27T15:04:00.123456Z") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27T16:04:00+01:00") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27T10:04:00-0500") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27T15:04Z") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27T15:04:00") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27 15:04:00") == "2025-02-27T15:04:00Z");
  CHECK(utc("2025-02-27") == "2025-02-27T00:00:00Z");
  CHECK(utc("2025-02") == "2025-02-01T00:00:00Z");
  CHECK(utc("2025") == "2025-01-01T00:00:00Z");
  CHECK(utc("20250227T150400Z") == "2025-02-27T15:04:00Z");
}

TEST_CASE("an unparseable date is absent, never a wrong date") {
  CHECK(utc("") == "absent");
  CHECK(utc("yesterday") == "absent");
  CHECK(utc("Thu, 31 Feb 2025 15:04:00 GMT") == "absent");
  CHECK(utc("2025-13-01T00:00:00Z") == "absent");
  CHECK(utc("2025-02-27T25:00:00Z") == "absent");
  CHECK(utc("Thu, 27 Feb 2025 15:04:00 +9999") == "absent");
  CHECK(utc("Thu, 27 Foo 2025 15:04:00 GMT") == "absent");
  CHECK(utc("2025-02-27T15:04:00 nonsense") == "absent");
  CHECK(utc("12345678901234567890") == "absent");
}
