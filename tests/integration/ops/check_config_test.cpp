// `feedd check-config` on one fixture per kind of problem, run as a real process: the
// exact messages on stderr, and the daemon refusing to start with the same messages.

#include <doctest/doctest.h>

#include "integration/ops/ops_support.hpp"
#include "support/temp_dir.hpp"

using feedd::test::ops::run_feedd;
using feedd::test::ops::replace_all;
using feedd::test::ops::slurp;

namespace {

const std::string kDir = std::string(FEEDD_FIXTURES) + "/config";

// The fixture's expected stderr, with {dir} standing for the fixture directory.
std::string expected(const std::string& name) {
  return replace_all(slurp(kDir + "/" + name + ".expected"), "{dir}", kDir);
}

void check_fixture(const std::string& name) {
  CAPTURE(name);
  const auto r = run_feedd({"check-config", "-c", kDir + "/" + name + ".toml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == expected(name));
}

}  // namespace

TEST_CASE("check-config names an unknown key with the nearest valid one") { check_fixture("unknown_key"); }
TEST_CASE("check-config names an unknown section with the nearest valid one") { check_fixture("unknown_section"); }
TEST_CASE("check-config reports each value of the wrong type with an example") { check_fixture("wrong_type"); }
TEST_CASE("check-config reports out-of-range values with their bounds and default") { check_fixture("out_of_range"); }
TEST_CASE("check-config reports a duplicate feed URL where it repeats") { check_fixture("duplicate_url"); }
TEST_CASE("check-config reports each URL feedd cannot poll") { check_fixture("invalid_url"); }
TEST_CASE("check-config reports a feed without a url") { check_fixture("missing_url"); }
TEST_CASE("check-config reports an output directory that cannot be written") { check_fixture("unwritable_output_dir"); }
TEST_CASE("check-config reports a TOML syntax error at its position") { check_fixture("syntax_error"); }
TEST_CASE("check-config reports an unknown log level with the known ones") { check_fixture("bad_log_level"); }
TEST_CASE("check-config reports a minimum interval above the maximum") { check_fixture("min_above_max"); }
TEST_CASE("check-config refuses a config without feeds") { check_fixture("no_feeds"); }
TEST_CASE("check-config reports problems of a feeds file at that file's lines") { check_fixture("with_feeds_file"); }

TEST_CASE("the daemon refuses an invalid config with the messages check-config prints") {
  for (const char* name : {"unknown_key", "wrong_type", "duplicate_url", "unwritable_output_dir", "with_feeds_file"}) {
    CAPTURE(name);
    const auto r = run_feedd({"run", "-c", kDir + "/" + name + ".toml"});
    CHECK(r.exit_code == 1);
    // Every message but check-config's closing count appears in the daemon's log.
    std::istringstream lines(expected(name));
    std::string line;
    std::size_t messages = 0;
    while (std::getline(lines, line)) {
      if (line.ends_with(" problem") || line.ends_with(" problems")) continue;
      CHECK_MESSAGE(r.err.find(line) != std::string::npos, line);
      ++messages;
    }
    CHECK(messages > 0);
    CHECK(r.err.find("not starting") != std::string::npos);
  }
}

TEST_CASE("check-config accepts a valid config, says how many feeds it has and exits 0") {
  feedd::test::TempDir dir("feedd-check");
  const auto config = dir.write("feedd.toml", "[feedd]\ndatabase = \"state/feedd.db\"\noutput_dir = \"out\"\n"
                                              "feeds_file = \"feeds.toml\"\n"
                                              "[[feed]]\nurl = \"https://example.org/rss\"\n");
  dir.write("feeds.toml", "[[feed]]\nurl = \"https://example.org/atom\"\n");
  const auto r = run_feedd({"check-config", "-c", config.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == config.string() + ": ok, 2 feeds\n");
}

TEST_CASE("check-config on a missing file says it cannot read it") {
  const auto r = run_feedd({"check-config", "-c", "/nonexistent/feedd.toml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "/nonexistent/feedd.toml: cannot read the file: No such file or directory\n"
                 "/nonexistent/feedd.toml: 1 problem\n");
}
