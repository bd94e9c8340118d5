#pragma once
// Dates as feeds write them, read leniently and converted to UTC.
//
// RFC 822/2822/1123 and what real feeds make of them (two-digit years, missing seconds,
// missing or wrong weekday, named and military zones, no zone, odd spacing, full month
// names), RFC 850, asctime, and ISO 8601 / RFC 3339 / W3CDTF with or without fractional
// seconds, zone or time. Whatever cannot be read is nullopt: never a guessed date.

#include <optional>
#include <string_view>

#include "common/time.hpp"

namespace feedd::feed {

std::optional<Instant> parse_date(std::string_view text);

// The two families on their own, for tests and for dialects that know which one to expect.
std::optional<Instant> parse_iso8601(std::string_view text);
std::optional<Instant> parse_rfc822(std::string_view text);

}  // namespace feedd::feed
