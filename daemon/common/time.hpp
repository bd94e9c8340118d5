#pragma once
// UTC instants as used across feedd: whole seconds since the Unix epoch.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace feedd {

using Instant = std::chrono::sys_seconds;

// "2025-02-27T15:04:00Z": RFC 3339, UTC, no fractional seconds.
std::string format_rfc3339(Instant t);
// Parses exactly what format_rfc3339 writes (and offsets like +01:00); nullopt otherwise.
std::optional<Instant> parse_rfc3339(std::string_view s);
// "Thu, 27 Feb 2025 15:04:00 GMT": RFC 1123, as HTTP and RSS 2.0 write dates.
std::string format_rfc1123(Instant t);

// Whether `name` is a time zone this system knows: "UTC", or an IANA name ("Europe/Moscow")
// with a file in the zoneinfo database ($TZDIR, else /usr/share/zoneinfo).
bool time_zone_exists(const std::string& name);

// The wall clock, in one place so tests can inject their own.
Instant now_utc();

}  // namespace feedd
