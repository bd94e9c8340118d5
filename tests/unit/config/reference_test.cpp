#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "config/keys.hpp"

namespace {

constexpr std::string_view kBegin = "<!-- config-reference:begin";
constexpr std::string_view kEnd = "<!-- config-reference:end -->";

std::string readme() {
  std::ifstream in(std::string(FEEDD_SOURCE_DIR) + "/README.md", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the README's configuration reference is the table generated from the keys") {
  const std::string text = readme();
  const auto begin = text.find(kBegin);
  REQUIRE(begin != std::string::npos);
  const auto table = text.find('\n', begin) + 1;
  const auto end = text.find(kEnd, table);
  REQUIRE(end != std::string::npos);
  CHECK_MESSAGE(text.substr(table, end - table) == feedd::config::reference_table(),
                "regenerate the README's table with `feedd check-config --print-reference`");
}

TEST_CASE("the reference has one row per key, with its bounds in the config's own units") {
  const std::string table = feedd::config::reference_table();
  std::size_t rows = 0;
  for (char c : table) rows += c == '\n' ? 1 : 0;
  CHECK(rows == feedd::config::keys().size() + 2);
  CHECK(table.find("| `schedule.interval` | duration | `\"30m\"` | 1s – 7d | ") != std::string::npos);
  CHECK(table.find("| `fetch.max_redirects` | integer | `5` | 0 – 20 | ") != std::string::npos);
  CHECK(table.find("| `feed.tags` | array of strings | `[]` |  | ") != std::string::npos);
}

TEST_CASE("durations are written in their largest exact unit") {
  CHECK(feedd::config::format_duration(1800) == "30m");
  CHECK(feedd::config::format_duration(86400 * 7) == "7d");
  CHECK(feedd::config::format_duration(7200) == "2h");
  CHECK(feedd::config::format_duration(90) == "90s");
  CHECK(feedd::config::format_duration(0) == "0s");
}

TEST_CASE("TOML strings are quoted with quotes, backslashes and control characters escaped") {
  using feedd::config::toml_quote;
  CHECK(toml_quote("plain") == "\"plain\"");
  CHECK(toml_quote("say \"hi\"\\now") == "\"say \\\"hi\\\"\\\\now\"");
  CHECK(toml_quote("a\nb\tc\x01") == "\"a\\nb\\tc\\u0001\"");
  CHECK(toml_quote("Al Jazeera – English") == "\"Al Jazeera – English\"");
}
