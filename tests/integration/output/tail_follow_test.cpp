// `tail -F digest/today` (GNU coreutils) follows the digest across midnight.

#include <doctest/doctest.h>

#include <signal.h>

#include <thread>

#include "integration/output/merged_setup.hpp"
#include "output/digest.hpp"
#include "unit/output/zone_guard.hpp"
#include "support/wait.hpp"

using namespace std::chrono_literals;
using feedd::test::read_file;

namespace {

feedd::store::StoredEntry entry(int n, feedd::Instant seen) {
  feedd::store::StoredEntry e;
  e.id = n;
  e.title = "Entry " + std::to_string(n);
  e.url = "https://news.example.org/" + std::to_string(n);
  e.feed_title = "Wire";
  e.first_seen = seen;
  return e;
}

bool wait_for(const std::filesystem::path& file, const std::string& text) {
  return feedd::test::eventually([&] { return read_file(file).find(text) != std::string::npos; }, 10s);
}

}  // namespace

TEST_CASE("tail -F digest/today shows the lines of one day, then the next day's after midnight") {
  feedd::test::ZoneGuard zone("UTC");
  feedd::test::TempDir dir{"feedd-tail"};
  const feedd::Instant evening{std::chrono::seconds{1740700740}};  // 2025-02-27T23:59:00Z
  const feedd::Instant morning = evening + 2min;
  feedd::output::Digest digest(dir.file("digest"));
  REQUIRE(digest.append({entry(1, evening)}, evening).ok());

  const auto seen = dir.file("tail.out");
  feedd::test::Process tail({"/bin/sh", "-c",
                             "exec /usr/bin/tail -F -s 0.1 -n +1 '" + dir.file("digest/today").string() + "' > '" +
                                 seen.string() + "'"});
  REQUIRE(wait_for(seen, "Entry 1  https://news.example.org/1\n"));

  REQUIRE(digest.append({entry(2, evening)}, evening).ok());
  REQUIRE(wait_for(seen, "Entry 2  https://news.example.org/2\n"));

  // After midnight: a new day's file, and today moves to it.
  REQUIRE(digest.append({entry(3, morning)}, morning).ok());
  CHECK(wait_for(seen, "Entry 3  https://news.example.org/3\n"));
  tail.signal(SIGTERM);
  tail.wait(5s);

  const std::string text = read_file(seen);
  INFO(text);
  const auto one = text.find("23:59  Wire  Entry 1");
  const auto two = text.find("23:59  Wire  Entry 2");
  const auto header = text.find("# feedd digest 2025-02-28\n");
  const auto three = text.find("00:01  Wire  Entry 3");
  CHECK(text.rfind("# feedd digest 2025-02-27\n", 0) == 0);
  REQUIRE(one != std::string::npos);
  REQUIRE(three != std::string::npos);
  CHECK(one < two);
  CHECK(two < header);
  CHECK(header < three);
}
