#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "output/metrics.hpp"

using feedd::output::Metrics;
using feedd::output::render_prometheus;

namespace {

// Every sample line "name{labels} value", in order, without HELP/TYPE comments.
std::vector<std::string> samples(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("metrics render feeds, polls by outcome, bytes, entries and the last batch times") {
  Metrics m;
  m.feeds_total = 3;
  m.feeds_failing = 1;
  m.feeds_disabled = 1;
  m.count_poll("200", 1000);
  m.count_poll("200", 500);
  m.count_poll("304", 0);
  m.count_poll("timeout", 0);
  m.entries_new = 7;
  m.entries_duplicate = 2;
  m.parse_failures = 1;
  m.gaps = 4;
  m.end_batch(feedd::Instant{std::chrono::seconds{1740668640}}, true);
  m.end_batch(feedd::Instant{std::chrono::seconds{1740668700}}, false);
  m.end_batch(feedd::Instant{std::chrono::seconds{1740668760}}, true);

  const std::string text = render_prometheus(m);
  const auto lines = samples(text);
  CHECK(has(lines, "feedd_feeds 3"));
  CHECK(has(lines, "feedd_feeds_failing 1"));
  CHECK(has(lines, "feedd_feeds_disabled 1"));
  CHECK(has(lines, "feedd_polls_total{outcome=\"200\"} 2"));
  CHECK(has(lines, "feedd_polls_total{outcome=\"304\"} 1"));
  CHECK(has(lines, "feedd_polls_total{outcome=\"timeout\"} 1"));
  CHECK(has(lines, "feedd_fetched_bytes_total 1500"));
  CHECK(has(lines, "feedd_entries_new_total 7"));
  CHECK(has(lines, "feedd_entries_duplicate_total 2"));
  CHECK(has(lines, "feedd_parse_failures_total 1"));
  CHECK(has(lines, "feedd_gaps_total 4"));
  CHECK(has(lines, "feedd_poll_batches_total 3"));
  CHECK(has(lines, "feedd_last_batch_timestamp_seconds 1740668760"));
  CHECK(has(lines, "feedd_last_successful_batch_timestamp_seconds 1740668700"));
}

TEST_CASE("every metric family has HELP and TYPE lines and the text ends with a newline") {
  Metrics m;
  m.count_poll("200", 1);
  const std::string text = render_prometheus(m);
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  std::string typed;  // the family the last TYPE line announced
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      typed = line.substr(7, line.find(' ', 7) - 7);
      const std::string type = line.substr(line.rfind(' ') + 1);
      CHECK((type == "counter" || type == "gauge"));
    } else if (line[0] != '#') {
      INFO(line);
      CHECK(line.rfind(typed, 0) == 0);  // each sample belongs to the announced family
    }
  }
  // No batch has ended: no timestamp is made up.
  CHECK(text.find("feedd_last_batch_timestamp_seconds") == std::string::npos);
}

TEST_CASE("a label value with quotes, backslashes and newlines is escaped") {
  Metrics m;
  m.count_poll("a\"b\\c\nd", 0);
  CHECK(render_prometheus(m).find("feedd_polls_total{outcome=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
}
