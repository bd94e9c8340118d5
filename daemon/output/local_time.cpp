#include "output/local_time.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace feedd::output {
namespace {

std::tm local_tm(Instant t) {
  const std::time_t secs = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  localtime_r(&secs, &tm);
  return tm;
}

std::string format_tm(const std::tm& tm, const char* format) {
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}


}  // namespace

Status use_time_zone(const std::string& name) {
  if (name.empty()) return Ok{};
  if (!time_zone_exists(name)) {
    return make_error("output.timezone = \"" + name +
                      "\" is not a known time zone (no such file in the zoneinfo database; "
                      "on Debian: package tzdata)");
  }
  if (::setenv("TZ", name.c_str(), 1) != 0) return make_error("cannot set TZ=" + name);
  ::tzset();
  return Ok{};
}

std::string local_day(Instant t) { return format_tm(local_tm(t), "%Y-%m-%d"); }
std::string local_clock(Instant t) { return format_tm(local_tm(t), "%H:%M"); }

std::string local_day_before(Instant t, int days) {
  std::tm tm = local_tm(t);
  tm.tm_mday -= days;
  tm.tm_hour = 12;  // noon: no DST change moves it to another day
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  const std::time_t normalized = std::mktime(&tm);
  std::tm out{};
  localtime_r(&normalized, &out);
  return format_tm(out, "%Y-%m-%d");
}

Instant next_local_midnight(Instant t) {
  std::tm tm = local_tm(t);
  tm.tm_mday += 1;
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  const std::time_t midnight = std::mktime(&tm);
  const Instant next{std::chrono::seconds{midnight}};
  // Where a zone skips midnight, mktime lands on the first instant after it; never go back.
  return next > t ? next : t + std::chrono::hours(1);
}

}  // namespace feedd::output
