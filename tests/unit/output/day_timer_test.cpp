#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "output/day_timer.hpp"
#include "output/digest.hpp"
#include "output/local_time.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "support/uv_test_loop.hpp"
#include "unit/output/zone_guard.hpp"

using namespace std::chrono_literals;
using feedd::Instant;
using feedd::output::DayTimer;
using feedd::output::Digest;
using feedd::test::ZoneGuard;

namespace {

Instant utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi} + seconds{s};
}

// A wall clock that starts at `start` and runs with the loop's monotonic clock.
struct InjectedClock {
  uv_loop_t* loop;
  Instant start;
  std::uint64_t start_ms = uv_now(loop);
  Instant operator()() const {
    uv_update_time(loop);
    return start + std::chrono::seconds{(uv_now(loop) - start_ms) / 1000};
  }
};

}  // namespace

TEST_CASE("the next local midnight follows the configured zone, DST days included") {
  {
    ZoneGuard zone("UTC");
    CHECK(feedd::output::next_local_midnight(utc(2025, 2, 27, 15, 4, 0)) == utc(2025, 2, 28, 0, 0, 0));
    CHECK(feedd::output::next_local_midnight(utc(2025, 2, 28, 0, 0, 0)) == utc(2025, 3, 1, 0, 0, 0));
  }
  {
    ZoneGuard zone("Asia/Tokyo");  // UTC+9: local midnight is 15:00 UTC
    CHECK(feedd::output::next_local_midnight(utc(2025, 2, 27, 14, 59, 59)) == utc(2025, 2, 27, 15, 0, 0));
    CHECK(feedd::output::local_day(utc(2025, 2, 27, 15, 0, 0)) == "2025-02-28");
  }
  {
    ZoneGuard zone("Europe/Berlin");  // 2025-03-30 has 23 hours; midnight after it is 22:00 UTC
    CHECK(feedd::output::next_local_midnight(utc(2025, 3, 30, 12, 0, 0)) == utc(2025, 3, 30, 22, 0, 0));
    CHECK(feedd::output::local_day_before(utc(2025, 3, 31, 0, 30, 0), 1) == "2025-03-30");
  }
}

TEST_CASE("the midnight timer never waits more than an hour and at least a second") {
  ZoneGuard zone("UTC");
  CHECK(DayTimer::delay_from(utc(2025, 2, 27, 23, 59, 59)) == 1000ms);
  CHECK(DayTimer::delay_from(utc(2025, 2, 27, 23, 30, 0)) == 30min);
  CHECK(DayTimer::delay_from(utc(2025, 2, 27, 12, 0, 0)) == 1h);
}

TEST_CASE("at local midnight the timer points today at the new day's file, which opens with its header") {
  ZoneGuard zone("Asia/Tokyo");
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  const Instant before = utc(2025, 2, 27, 14, 59, 59);  // 23:59:59 in Tokyo
  REQUIRE(digest.update_today(before).ok());
  REQUIRE(std::filesystem::read_symlink(dir.path() / "today") == "2025-02-27.txt");

  feedd::test::UvTestLoop loop;
  std::vector<Instant> fired;
  {
    DayTimer timer(
        loop.get(),
        [&](Instant now) {
          fired.push_back(now);
          return digest.update_today(now);
        },
        InjectedClock{loop.get(), before});
    timer.start();
    CHECK(loop.run_until([&] { return !fired.empty(); }, 5s));
    timer.close();
  }
  CHECK(loop.close() == 0);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0] >= utc(2025, 2, 27, 15, 0, 0));
  CHECK(std::filesystem::read_symlink(dir.path() / "today") == "2025-02-28.txt");
  CHECK(feedd::test::read_file(dir.path() / "today") == "# feedd digest 2025-02-28\n");
  CHECK(feedd::test::read_file(dir.path() / "2025-02-27.txt") == "# feedd digest 2025-02-27\n");
}

TEST_CASE("moving the today link leaves only the day files and the link behind") {
  ZoneGuard zone("UTC");
  feedd::test::TempDir dir;
  Digest digest(dir.path());
  REQUIRE(digest.update_today(utc(2025, 2, 27, 12, 0, 0)).ok());
  REQUIRE(digest.update_today(utc(2025, 2, 28, 0, 0, 0)).ok());
  CHECK(std::filesystem::read_symlink(dir.path() / "today") == "2025-02-28.txt");
  // Nothing but the day files and the link: the temporary link was renamed away.
  std::vector<std::string> names;
  for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(item.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"2025-02-27.txt", "2025-02-28.txt", "today"});
}

TEST_CASE("a new day removes digest files older than the days to keep and nothing else") {
  ZoneGuard zone("UTC");
  feedd::test::TempDir dir;
  for (const char* name : {"2025-02-20.txt", "2025-02-25.txt", "2025-02-26.txt", "notes.txt", "2025-02-2x.txt"}) {
    dir.write(name, "# kept?\n");
  }
  Digest digest(dir.path(), 3);  // today and the two days before
  REQUIRE(digest.update_today(utc(2025, 2, 27, 8, 0, 0)).ok());
  CHECK_FALSE(std::filesystem::exists(dir.file("2025-02-20.txt")));
  CHECK_FALSE(std::filesystem::exists(dir.file("2025-02-24.txt")));
  CHECK(std::filesystem::exists(dir.file("2025-02-25.txt")));
  CHECK(std::filesystem::exists(dir.file("2025-02-26.txt")));
  CHECK(std::filesystem::exists(dir.file("2025-02-27.txt")));
  CHECK(std::filesystem::exists(dir.file("notes.txt")));
  CHECK(std::filesystem::exists(dir.file("2025-02-2x.txt")));

  REQUIRE(digest.update_today(utc(2025, 2, 28, 0, 0, 1)).ok());
  CHECK_FALSE(std::filesystem::exists(dir.file("2025-02-25.txt")));
  CHECK(std::filesystem::exists(dir.file("2025-02-26.txt")));
}

TEST_CASE("an unknown time zone name is refused, naming it") {
  auto r = feedd::output::use_time_zone("Mars/Olympus_Mons");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("Mars/Olympus_Mons") != std::string::npos);
  CHECK(feedd::output::use_time_zone("").ok());
}
