// output.timezone decides the digest's days and times in the real binary.

#include <doctest/doctest.h>

#include "integration/output/merged_setup.hpp"
#include "output/local_time.hpp"
#include "unit/output/zone_guard.hpp"

using feedd::test::output::rss_source;
using feedd::test::read_file;

TEST_CASE("the digest's day file and times follow output.timezone, not the system's zone") {
  feedd::test::HttpServer server;
  server.add_endpoint("/a.rss", 200, {}, rss_source());
  feedd::test::TempDir dir{"feedd-zone"};
  dir.write("feedd.toml", "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\n"
                          "[output]\ntimezone = \"Pacific/Kiritimati\"\n"  // UTC+14
                          "[[feed]]\nurl = \"" + server.url("/a.rss") + "\"\n");
  feedd::test::ZoneGuard zone("Pacific/Kiritimati");
  const std::string day_before = feedd::output::local_day(feedd::now_utc());
  auto r = feedd::test::run({"/usr/bin/env", "TZ=UTC", feedd::test::feedd_binary(), "once", "-c",
                             dir.file("feedd.toml").string()});
  const feedd::Instant after = feedd::now_utc();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  if (feedd::output::local_day(after) != day_before) return;  // the run straddled midnight there

  CHECK(std::filesystem::read_symlink(dir.file("out/digest/today")).string() == day_before + ".txt");
  const std::string digest = read_file(dir.file("out/digest/today"));
  const std::string clock = feedd::output::local_clock(after);
  const std::string earlier = feedd::output::local_clock(after - std::chrono::minutes(1));
  INFO(digest);
  CHECK((digest.find("\n" + clock + "  ") != std::string::npos ||
         digest.find("\n" + earlier + "  ") != std::string::npos));
}

TEST_CASE("an unknown output.timezone stops feedd at start with a message naming the config file") {
  feedd::test::TempDir dir;
  const auto config = dir.write("feedd.toml", "[output]\ntimezone = \"Mars/Olympus_Mons\"\n"
                                              "[[feed]]\nurl = \"https://example.org/rss\"\n");
  auto r = feedd::test::run({feedd::test::feedd_binary(), "once", "-c", config.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(config.string()) != std::string::npos);
  CHECK(r.err.find("Mars/Olympus_Mons") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("output/digest")));
}
