// feedd.prom after real rounds of the feedd binary against a loopback server.

#include <doctest/doctest.h>

#include <sstream>

#include "integration/output/merged_setup.hpp"

using feedd::test::output::rss_source;
using feedd::test::read_file;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("feedd.prom counts each round's polls by outcome, entries, bytes and failing feeds") {
  feedd::test::HttpServer server;
  server.add_handler("/a.rss", [](const feedd::test::HttpRequest& request) {
    if (request.header("If-None-Match") == std::optional<std::string>("\"v1\"")) {
      return feedd::test::response(304, {{"ETag", "\"v1\""}});
    }
    return feedd::test::response(200, {{"ETag", "\"v1\""}}, rss_source());
  });
  server.add_endpoint("/missing.rss", 404, {}, "not here");
  server.add_endpoint("/junk.rss", 200, {{"Content-Type", "text/plain"}}, "this is not a feed");
  feedd::test::TempDir dir{"feedd-metrics"};
  dir.write("feedd.toml", "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                          "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\n"
                          "[[feed]]\nurl = \"" + server.url("/missing.rss") + "\"\n"
                          "[[feed]]\nurl = \"" + server.url("/junk.rss") + "\"\n");
  const std::vector<std::string> once{feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()};

  auto first = feedd::test::run(once);
  INFO(first.err);
  CHECK(first.exit_code == 1);  // two feeds failed
  const std::string prom = read_file(dir.file("out/feedd.prom"));
  INFO(prom);
  CHECK(has_line(prom, "feedd_feeds 3"));
  CHECK(has_line(prom, "feedd_feeds_failing 2"));
  CHECK(has_line(prom, "feedd_polls_total{outcome=\"200\"} 2"));
  CHECK(has_line(prom, "feedd_polls_total{outcome=\"404\"} 1"));
  CHECK(has_line(prom, "feedd_parse_failures_total 1"));
  CHECK(has_line(prom, "feedd_entries_new_total 3"));
  CHECK(has_line(prom, "feedd_poll_batches_total 1"));
  CHECK(prom.find("feedd_last_batch_timestamp_seconds ") != std::string::npos);
  CHECK(prom.find("feedd_last_successful_batch_timestamp_seconds") == std::string::npos);
  CHECK(prom.find("feedd_fetched_bytes_total 0\n") == std::string::npos);

  auto second = feedd::test::run(once);
  CHECK(second.exit_code == 1);
  const std::string again = read_file(dir.file("out/feedd.prom"));
  INFO(again);
  CHECK(has_line(again, "feedd_polls_total{outcome=\"304\"} 1"));
  CHECK(has_line(again, "feedd_entries_new_total 0"));
  CHECK(has_line(again, "feedd_feeds_failing 2"));
}
