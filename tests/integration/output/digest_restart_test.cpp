// The digest across a crash of the real binary between the store's commit and the append.

#include <doctest/doctest.h>

#include "integration/output/merged_setup.hpp"

using feedd::test::occurrences;
using feedd::test::output::rss_source;
using feedd::test::read_file;

TEST_CASE("entries stored just before a crash reach the digest at the next start, once") {
  feedd::test::HttpServer server;
  server.add_handler("/a.rss", [](const feedd::test::HttpRequest& request) {
    if (request.header("If-None-Match")) return feedd::test::response(304, {{"ETag", "\"v1\""}});
    return feedd::test::response(200, {{"ETag", "\"v1\""}}, rss_source());
  });
  feedd::test::TempDir dir{"feedd-restart"};
  dir.write("feedd.toml", "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                          "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\n");
  {
    // What feedd had done when it was killed: the poll committed, the digest not written.
    auto store = feedd::store::Store::open(dir.file("feedd.db"));
    REQUIRE(store.ok());
    auto state = (*store)->ensure_feed(server.url("/a.rss"));
    REQUIRE(state.ok());
    state->etag = "\"v1\"";
    state->last_status = 200;
    feedd::feed::Feed parsed;
    parsed.format = "rss20";
    parsed.title = "Wire A";
    feedd::feed::Entry entry;
    entry.link = "https://a.example/stored-before-the-crash";
    entry.id = entry.link;
    entry.title = "Stored before the crash";
    parsed.entries.push_back(entry);
    REQUIRE((*store)->commit_poll(*state, &parsed, feedd::now_utc()).ok());
  }
  const std::vector<std::string> once{feedd::test::feedd_binary(), "once", "-c", dir.file("feedd.toml").string()};
  for (int run = 0; run < 2; ++run) {
    auto r = feedd::test::run(once);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(server.requests("/a.rss") == 2);
  CHECK(server.last_request("/a.rss")->header("If-None-Match"));  // the polls brought nothing new
  CHECK(occurrences(read_file(dir.file("out/digest/today")), "https://a.example/stored-before-the-crash\n") == 1);
}
