// The real feedd binary against an https server (nginx, TLS, HTTP/2) whose certificate
// only fetch.ca_file makes trusted: a certificate the daemon cannot verify fails that
// feed and spares the others; trusted, the feeds come over HTTP/2, and a second round
// revalidates them (304); a CA file that does not exist is a config problem.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/store.hpp"
#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_nginx.hpp"

using namespace std::chrono_literals;
using feedd::test::lines_with;
using feedd::test::TempDir;

namespace {

std::string rss(const std::string& name) {
  return R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>)" + name + R"(</title><link>https://)" + name + R"(.example/</link>
<item><title>First of )" + name + R"(</title><link>https://)" + name + R"(.example/1</link>
<guid>)" + name + R"(-1</guid><pubDate>Thu, 27 Feb 2025 11:00:00 GMT</pubDate></item>
</channel></rss>)";
}

struct Setup {
  TempDir dir{"feedd-https"};
  std::filesystem::path config = dir.file("feedd.toml");

  void write_config(const std::string& fetch, const std::vector<std::string>& urls) {
    std::string text = "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\n" + fetch;
    for (const auto& u : urls) text += "[[feed]]\nurl = \"" + u + "\"\n";
    dir.write("feedd.toml", text);
  }

  feedd::test::ProcessResult feedd(const std::string& command) {
    return feedd::test::run({feedd::test::feedd_binary(), command, "-c", config.string()}, 60s, {"TZ=UTC"});
  }

  std::vector<feedd::store::StoredEntry> stored() {
    auto store = feedd::store::Store::open(dir.file("state/feedd.db"));
    REQUIRE(store.ok());
    return (*store)->newest(1000);
  }
};

}  // namespace

TEST_CASE("feedd once: an https feed with an untrusted certificate fails with a TLS error, the good feed is stored") {
  feedd::test::TlsNginx tls;
  tls.write_file("secure.rss", rss("secure"));
  feedd::test::HttpServer plain;
  plain.add_endpoint("/plain.rss", 200, {{"Content-Type", "application/rss+xml"}}, rss("plain"));
  const std::string secure = tls.url("/secure.rss");
  Setup s;
  s.write_config("", {plain.url("/plain.rss"), secure});

  const auto r = s.feedd("once");
  INFO(r.err);
  CHECK(r.exit_code == 1);  // a feed failed
  const auto entries = s.stored();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].url == "https://plain.example/1");
  const auto secure_lines = lines_with(r.err, "feed=" + secure + " ");
  REQUIRE(secure_lines.size() == 1);
  CHECK(secure_lines[0].find("TLS error") != std::string::npos);
  CHECK(tls.access_log().empty());  // refused in the handshake: nothing was requested

  const auto feeds = s.feedd("feeds");
  INFO(feeds.out);
  CHECK(feeds.exit_code == 0);
  const auto secure_row = lines_with(feeds.out, secure + " ");
  REQUIRE(secure_row.size() == 1);
  CHECK(secure_row[0].find("error: TLS error") != std::string::npos);
  const auto plain_row = lines_with(feeds.out, plain.url("/plain.rss") + " ");
  REQUIRE(plain_row.size() == 1);
  CHECK(plain_row[0].find(" 200 ") != std::string::npos);
}

TEST_CASE("feedd once: with fetch.ca_file naming the server's CA, https feeds are stored over HTTP/2 and revalidated") {
  feedd::test::TlsNginx tls;
  tls.write_file("secure.rss", rss("secure"));
  tls.write_file("other.rss", rss("other"));
  Setup s;
  s.write_config("[fetch]\nca_file = \"" + tls.ca_file().string() + "\"\n",
                 {tls.url("/secure.rss"), tls.url("/other.rss")});

  const auto r = s.feedd("once");
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(s.stored().size() == 2);
  const auto log = tls.access_log(2);
  REQUIRE(log.size() == 2);
  for (const auto& line : log) {
    CHECK(line.protocol == "HTTP/2.0");
    CHECK(line.status == 200);
  }

  // HTTP/2 hands over its headers in lower case, after a status line libcurl writes: the
  // validators are kept all the same, sent back, and the unchanged files answer 304.
  const auto again = s.feedd("once");
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(lines_with(again.err, "status=304 ").size() == 2);
  const auto revalidated = tls.access_log(4);
  REQUIRE(revalidated.size() == 4);
  for (std::size_t i = 2; i < 4; ++i) {
    CHECK(revalidated[i].protocol == "HTTP/2.0");
    CHECK(revalidated[i].status == 304);
  }
  CHECK(s.stored().size() == 2);
}

TEST_CASE("check-config rejects a fetch.ca_file that does not exist, naming the file") {
  Setup s;
  const auto missing = s.dir.file("no-such-ca.pem");
  s.write_config("[fetch]\nca_file = \"no-such-ca.pem\"\n", {"https://example.org/feed.xml"});

  const auto r = s.feedd("check-config");
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const auto lines = lines_with(r.err, "fetch.ca_file");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == s.config.string() + ":5:11: fetch.ca_file: cannot read " + missing.string() +
                        ": No such file or directory");

  // The daemon refuses it alike rather than fail every https poll.
  const auto once = s.feedd("once");
  CHECK(once.exit_code == 1);
  CHECK(once.err.find("fetch.ca_file: cannot read " + missing.string()) != std::string::npos);
}
