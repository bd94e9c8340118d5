#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config/keys.hpp"
#include "support/temp_dir.hpp"

using feedd::config::Config;
using feedd::config::load_string;
using feedd::config::parse_duration;

namespace {

std::vector<std::string> messages(const feedd::config::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) out.push_back(p.to_string());
  return out;
}

const char* kMinimal = R"(
[[feed]]
url = "https://example.org/rss"
)";

}  // namespace

TEST_CASE("a config with one feed loads with every default in place") {
  auto r = load_string(kMinimal, "/etc/feedd/feedd.toml");
  REQUIRE(r.problems.empty());
  const Config& c = *r.config;
  REQUIRE(c.feeds.size() == 1);
  CHECK(c.feeds[0].url == "https://example.org/rss");
  CHECK(c.feeds[0].line == 2);
  CHECK(c.interval == std::chrono::minutes(30));
  CHECK(c.min_interval == std::chrono::minutes(5));
  CHECK(c.max_body_bytes == 16 * 1024 * 1024);
  CHECK(c.max_redirects == 5);
  CHECK(c.database == "/etc/feedd/feedd.db");
}

TEST_CASE("relative paths and file: URLs resolve against the config file's directory") {
  auto r = load_string(R"(
[feedd]
database = "../state/feedd.db"
output_dir = "/srv/out"
[[feed]]
url = "file:samples/a.rss"
)", "/opt/feedd/config/demo.toml");
  REQUIRE(r.problems.empty());
  CHECK(r.config->database == "/opt/feedd/state/feedd.db");
  CHECK(r.config->output_dir == "/srv/out");
  CHECK(r.config->feeds[0].url == "file:///opt/feedd/config/samples/a.rss");
}

TEST_CASE("durations take seconds or a number with s, m, h or d") {
  CHECK(parse_duration("90") == std::chrono::seconds(90));
  CHECK(parse_duration("90s") == std::chrono::seconds(90));
  CHECK(parse_duration("15m") == std::chrono::minutes(15));
  CHECK(parse_duration("2h") == std::chrono::hours(2));
  CHECK(parse_duration("1d") == std::chrono::hours(24));
  CHECK_FALSE(parse_duration("").has_value());
  CHECK_FALSE(parse_duration("m").has_value());
  CHECK_FALSE(parse_duration("5 m").has_value());
  CHECK_FALSE(parse_duration("-5m").has_value());
  CHECK_FALSE(parse_duration("5w").has_value());
}

TEST_CASE("an unknown key is reported with its line, column and the nearest valid name") {
  auto r = load_string(R"([fetch]
max_redirect = 3
)" + std::string(kMinimal), "f.toml");
  CHECK_FALSE(r.config.has_value());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].to_string() ==
        "f.toml:2:1: unknown key 'max_redirect' in [fetch] (did you mean 'max_redirects'?)");
}

TEST_CASE("a wrong type and an out-of-range value are both reported") {
  auto r = load_string(R"([fetch]
max_redirects = "five"
max_connections = 0
[schedule]
interval = "10x"
)" + std::string(kMinimal), "f.toml");
  const auto m = messages(r);
  REQUIRE(m.size() == 3);
  CHECK(m[0] == "f.toml:2:17: fetch.max_redirects must be an integer, e.g. max_redirects = 5");
  CHECK(m[1] == "f.toml:3:19: fetch.max_connections = 0 is out of range [1, 1024]; the default is 32");
  CHECK(m[2] == "f.toml:5:12: schedule.interval must be a duration: seconds, or a number with s, m, h "
                "or d (\"90s\", \"15m\", \"2h\", \"1d\")");
}

TEST_CASE("duplicate feed URLs, invalid URLs and a feed without url are reported") {
  auto r = load_string(R"([[feed]]
url = "https://example.org/rss"
[[feed]]
url = "https://example.org/rss"
[[feed]]
url = "ftp://example.org/rss"
[[feed]]
title = "no url"
)", "f.toml");
  const auto m = messages(r);
  REQUIRE(m.size() == 3);
  CHECK(m[0] == "f.toml:4:7: duplicate feed URL https://example.org/rss (first defined at line 1); "
                "remove one of the two [[feed]] tables");
  CHECK(m[1].find("f.toml:6:7: feed.url = \"ftp://example.org/rss\" is not a valid URL") == 0);
  CHECK(m[2] == "f.toml:7:1: [[feed]] without a url; add one: url = \"https://...\"");
}

TEST_CASE("a TOML syntax error names the file and position") {
  auto r = load_string("[feedd\n", "broken.toml");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].file == "broken.toml");
  CHECK(r.problems[0].line == 1);
}

TEST_CASE("a problem is one line even when the file's bytes are not text") {
  // toml++ quotes the bytes it stopped at; a value may hold any character by escape.
  auto r = load_string("[schedule]\nadaptive = tru\x10\n", "bytes.toml");
  REQUIRE(r.problems.size() == 1);
  CHECK(messages(r)[0] == "bytes.toml:2:15: Error while parsing boolean: expected 'true', saw 'tru\\x10'");

  r = load_string("[feedd]\nlog_level = \"loud\\n\\u001b[31m\"\n" + std::string(kMinimal), "escapes.toml");
  REQUIRE(r.problems.size() == 1);
  const std::string line = messages(r)[0];
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find("loud\\n\\x1B[31m") != std::string::npos);
}

TEST_CASE("a config without feeds is refused") {
  auto r = load_string("[feedd]\nlog_level = \"debug\"\n", "f.toml");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message.find("no feeds") == 0);
}

TEST_CASE("every key in the table has a section, help text and sane bounds") {
  for (const auto& k : feedd::config::keys()) {
    CAPTURE(k.name);
    CHECK_FALSE(k.section.empty());
    CHECK_FALSE(k.help.empty());
    CHECK(static_cast<bool>(k.apply));
    if (k.type == feedd::config::KeyType::integer || k.type == feedd::config::KeyType::duration) {
      CHECK(k.min <= k.max);
    }
  }
}

TEST_CASE("the shipped configurations are valid") {
  for (const char* name : {"feedd.toml", "demo.toml"}) {
    CAPTURE(name);
    auto r = feedd::config::load(std::string(FEEDD_SOURCE_DIR) + "/config/" + name);
    CHECK(messages(r) == std::vector<std::string>{});
  }
}

TEST_CASE("an unknown key with no near name lists the section's valid keys") {
  auto r = load_string("[fetch]\ncolour = \"blue\"\n" + std::string(kMinimal), "f.toml");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].to_string().rfind("f.toml:2:1: unknown key 'colour' in [fetch] (valid keys: user_agent, "
                                        "max_body_bytes, ", 0) == 0);
}

TEST_CASE("a duration out of range is shown with bounds in the config's own units") {
  auto r = load_string("[schedule]\ninterval = \"8d\"\n" + std::string(kMinimal), "f.toml");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].to_string() ==
        "f.toml:2:12: schedule.interval = \"8d\" is out of range [1s, 7d]; the default is \"30m\"");
}

TEST_CASE("a config without feeds loads when the caller allows it") {
  auto r = load_string("[feedd]\nlog_level = \"debug\"\n", "f.toml", {.allow_no_feeds = true});
  CHECK(r.problems.empty());
  REQUIRE(r.config.has_value());
  CHECK(r.config->feeds.empty());
}

TEST_CASE("feeds from the feeds file carry that file's name and line, after the config's own") {
  feedd::test::TempDir dir("feedd-config");
  dir.write("feeds.toml", "# more feeds\n[[feed]]\nurl = \"https://b.example/feed\"\n");
  const auto config = dir.write("feedd.toml", "[feedd]\nfeeds_file = \"feeds.toml\"\n" + std::string(kMinimal));
  auto r = feedd::config::load(config);
  REQUIRE(r.config.has_value());
  const auto& feeds = r.config->feeds;
  REQUIRE(feeds.size() == 2);
  CHECK(feeds[0].url == "https://example.org/rss");
  CHECK(feeds[0].file == config.string());
  CHECK(feeds[0].line == 4);
  CHECK(feeds[1].url == "https://b.example/feed");
  CHECK(feeds[1].file == dir.file("feeds.toml").string());
  CHECK(feeds[1].line == 2);
  CHECK(r.config->feeds_file == dir.file("feeds.toml"));
}

TEST_CASE("a missing feeds file is a problem at the key that names it, and is reported as missing") {
  feedd::test::TempDir dir("feedd-config");
  const auto config = dir.write("feedd.toml", "[feedd]\nfeeds_file = \"feeds.toml\"\n" + std::string(kMinimal));
  auto r = feedd::config::load(config);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].to_string() == config.string() + ":2:14: feedd.feeds_file: cannot read " +
                                         dir.file("feeds.toml").string() +
                                         ": No such file or directory (create it, even empty, or remove the key)");
  CHECK(r.missing_feeds_file == dir.file("feeds.toml"));
}

TEST_CASE("an unknown output.timezone is a config problem, and a known one loads") {
  auto bad = load_string("[output]\ntimezone = \"Mars/Olympus_Mons\"\n" + std::string(kMinimal), "f.toml");
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].to_string().rfind(
            "f.toml:2:12: output.timezone = \"Mars/Olympus_Mons\" is not a known time zone", 0) == 0);
  auto good = load_string("[output]\ntimezone = \"UTC\"\n" + std::string(kMinimal), "f.toml");
  CHECK(good.problems.empty());
}

TEST_CASE("fetch.ca_file resolves against the config's directory, and check() wants a readable file there") {
  feedd::test::TempDir dir("feedd-config");
  const auto config = dir.write("feedd.toml", "[fetch]\nca_file = \"certs/ca.pem\"\n" + std::string(kMinimal));
  auto loaded = feedd::config::load(config);
  REQUIRE(loaded.problems.empty());
  CHECK(loaded.config->ca_file == dir.file("certs/ca.pem"));

  auto missing = feedd::config::check(config);
  CHECK_FALSE(missing.config);
  REQUIRE(missing.problems.size() == 1);
  CHECK(missing.problems[0].to_string() == config.string() + ":2:11: fetch.ca_file: cannot read " +
                                               dir.file("certs/ca.pem").string() + ": No such file or directory");

  std::filesystem::create_directories(dir.file("certs/ca.pem"));
  auto directory = feedd::config::check(config);
  REQUIRE(directory.problems.size() == 1);
  CHECK(directory.problems[0].message.ends_with("certs/ca.pem: not a regular file"));

  std::filesystem::remove(dir.file("certs/ca.pem"));
  dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto present = feedd::config::check(config);
  CHECK(messages(present) == std::vector<std::string>{});
  REQUIRE(present.config);
  CHECK(present.config->ca_file == dir.file("certs/ca.pem"));
}

TEST_CASE("without fetch.ca_file the system's CA store is used: the path stays empty") {
  auto r = load_string(kMinimal, "/etc/feedd/feedd.toml");
  REQUIRE(r.config);
  CHECK(r.config->ca_file.empty());
}

TEST_CASE("an optional path written as \"\" is its default, unset, and a path with a default must not be empty") {
  auto unset = load_string("[feedd]\nfeeds_file = \"\"\n[fetch]\nca_file = \"\"\n" + std::string(kMinimal),
                           "/etc/feedd/feedd.toml");
  INFO(messages(unset).size());
  REQUIRE(unset.problems.empty());
  CHECK(unset.config->ca_file.empty());
  CHECK(unset.config->feeds_file.empty());

  auto empty_database = load_string("[feedd]\ndatabase = \"\"\n" + std::string(kMinimal), "/etc/feedd/feedd.toml");
  CHECK(messages(empty_database) ==
        std::vector<std::string>{"/etc/feedd/feedd.toml:2:12: feedd.database must not be empty"});
}
