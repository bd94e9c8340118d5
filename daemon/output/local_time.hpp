#pragma once
// Local time for the digest: its days, its HH:MM, and its midnight.
//
// The time zone is the process's: the system's by default, or `output.timezone`, which
// use_time_zone() applies by setting TZ and calling tzset() once at start. That is sound
// because feedd has one thread that reads local time (the loop's); libstdc++ 12 has no
// std::chrono::locate_zone to do better. It also puts the log's timestamps in that zone.

#include <string>

#include "common/result.hpp"
#include "common/time.hpp"

namespace feedd::output {

// Makes `name` (an IANA name such as "Europe/Moscow", or "UTC") the process's time zone.
// "" keeps the system's. A name with no zone file is an error naming it: glibc would
// otherwise fall back to UTC without a word.
Status use_time_zone(const std::string& name);

// The day (local time) an instant belongs to, "YYYY-MM-DD", and its "HH:MM".
std::string local_day(Instant t);
std::string local_clock(Instant t);

// The day `days` days before the one `t` falls in, "YYYY-MM-DD" (local calendar days).
std::string local_day_before(Instant t, int days);

// The first instant of the local day after the one `t` falls in.
Instant next_local_midnight(Instant t);

}  // namespace feedd::output
