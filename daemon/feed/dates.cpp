#include "feed/dates.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "feed/text.hpp"

namespace feedd::feed {
namespace {

using namespace std::chrono;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

// Reads exactly n digits at s[pos].
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  out = v;
  return true;
}

std::optional<Instant> make_instant(int y, int mo, int d, int h, int mi, int sec, int offset_minutes) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h < 0 || mi < 0 || sec < 0) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  // 24:00:00 is the end of the day; a leap second 60 reads as the next second.
  if (h > 24 || (h == 24 && (mi != 0 || sec != 0)) || mi > 59 || sec > 60) return std::nullopt;
  if (offset_minutes < -18 * 60 || offset_minutes > 18 * 60) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_minutes};
}

// Month from an English name, full or abbreviated ("Sept" too); 0 when not a month.
int month_from_name(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kNames{
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (w.size() < 3) return 0;
  for (std::size_t m = 0; m < kNames.size(); ++m) {
    const auto name = kNames[m];
    if (w.size() > name.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (lower(w[i]) != name[i]) {
        match = false;
        break;
      }
    }
    if (match) return static_cast<int>(m) + 1;
  }
  return 0;
}

bool is_weekday_name(std::string_view w) {
  static constexpr std::array<std::string_view, 7> kNames{
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  if (w.size() < 2) return false;
  for (auto name : kNames) {
    if (w.size() > name.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (lower(w[i]) != name[i]) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

// Named zones seen in feeds. RFC 2822 4.3: the single-letter military zones were
// specified with the wrong sign and are to be read as -0000, i.e. UTC; "Z" is UTC anyway.
std::optional<int> zone_from_name(std::string_view w) {
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr Zone kZones[] = {
      {"acdt", 630}, {"acst", 570}, {"adt", -180}, {"aedt", 660}, {"aest", 600}, {"akdt", -480},
      {"akst", -540}, {"ast", -240}, {"awst", 480}, {"bst", 60},   {"cdt", -300}, {"cest", 120},
      {"cet", 60},   {"cst", -360}, {"edt", -240}, {"eest", 180},  {"eet", 120},  {"est", -300},
      {"gmt", 0},    {"hst", -600}, {"ist", 330},  {"jst", 540},   {"kst", 540},  {"mdt", -360},
      {"mest", 120}, {"met", 60},   {"msk", 180},  {"mst", -420},  {"ndt", -150}, {"nst", -210},
      {"nzdt", 780}, {"nzst", 720}, {"pdt", -420}, {"pst", -480},  {"sgt", 480},  {"ut", 0},
      {"utc", 0},    {"wet", 0},    {"west", 60},  {"z", 0},
  };
  if (w.size() == 1 && is_alpha(w[0]) && lower(w[0]) != 'j') return 0;
  for (const auto& z : kZones) {
    if (iequals(w, z.name)) return z.minutes;
  }
  return std::nullopt;
}

// "+hhmm", "+hh:mm", "+hh", "-hhmm" ... -> minutes east of UTC.
std::optional<int> numeric_zone(std::string_view z) {
  if (z.size() < 2 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  const int sign = z[0] == '-' ? -1 : 1;
  z.remove_prefix(1);
  int h = 0, m = 0;
  if (z.size() == 4 && digits(z, 0, 2, h) && digits(z, 2, 2, m)) {
  } else if (z.size() == 5 && z[2] == ':' && digits(z, 0, 2, h) && digits(z, 3, 2, m)) {
  } else if (z.size() == 2 && digits(z, 0, 2, h)) {
  } else if (z.size() == 1 && digits(z, 0, 1, h)) {
  } else if (z.size() == 3 && digits(z, 0, 1, h) && digits(z, 1, 2, m)) {
  } else {
    return std::nullopt;
  }
  if (m > 59) return std::nullopt;
  return sign * (h * 60 + m);
}

}  // namespace

std::optional<Instant> parse_iso8601(std::string_view s) {
  s = trim(s);
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  std::size_t pos = 0;
  if (!digits(s, 0, 4, y)) return std::nullopt;
  pos = 4;
  bool compact = false;
  if (pos < s.size() && s[pos] == '-') {
    if (!digits(s, pos + 1, 2, mo)) return std::nullopt;
    pos += 3;
    if (pos < s.size() && s[pos] == '-') {
      if (!digits(s, pos + 1, 2, d)) return std::nullopt;
      pos += 3;
    }
  } else if (digits(s, 4, 2, mo) && digits(s, 6, 2, d)) {
    compact = true;  // 20040105T...
    pos = 8;
  } else if (pos != s.size()) {
    return std::nullopt;
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (!digits(s, pos, 2, h)) return std::nullopt;
    pos += 2;
    const bool colon = pos < s.size() && s[pos] == ':';
    if (colon) ++pos;
    if (!digits(s, pos, 2, mi)) return std::nullopt;
    pos += 2;
    if (pos < s.size() && (s[pos] == ':' || (!colon && compact && is_digit(s[pos])))) {
      if (s[pos] == ':') ++pos;
      if (!digits(s, pos, 2, sec)) return std::nullopt;
      pos += 2;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && is_digit(s[pos])) ++pos;
        if (pos == start) return std::nullopt;
      }
    }
    while (pos < s.size() && s[pos] == ' ') ++pos;
    const std::string_view zone = s.substr(pos);
    if (zone.empty()) {
      // No zone: read as UTC (W3CDTF requires one; feeds that omit it mean "ours").
    } else if (auto z = numeric_zone(zone)) {
      offset = *z;
    } else if (auto named = zone_from_name(zone)) {
      offset = *named;
    } else {
      return std::nullopt;
    }
  } else if (pos != s.size()) {
    // A date with a zone but no time ("2003-12-13Z") is still that day.
    if (!zone_from_name(s.substr(pos)) && !numeric_zone(s.substr(pos))) return std::nullopt;
  }
  return make_instant(y, mo, d, h, mi, sec, offset);
}

std::optional<Instant> parse_rfc822(std::string_view s) {
  s = trim(s);
  int day = -1, month = 0, year = -1, h = -1, mi = 0, sec = 0;
  std::optional<int> offset;
  bool pm = false, am = false;
  std::size_t i = 0;
  std::array<int, 3> loose{};  // numbers seen before we know which is which
  std::size_t loose_count = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_alpha(c)) {
      std::size_t j = i;
      while (j < s.size() && is_alpha(s[j])) ++j;
      const std::string_view word = s.substr(i, j - i);
      i = j;
      if (int m = month_from_name(word); m != 0 && month == 0) {
        month = m;
      } else if (is_weekday_name(word)) {
      } else if (iequals(word, "am")) {
        am = true;
      } else if (iequals(word, "pm")) {
        pm = true;
      } else if (auto z = zone_from_name(word); z && h >= 0 && !offset) {
        offset = *z;
      } else if (iequals(word, "T") && h < 0) {
        // "04 Jan 2004T10:00" seen in the wild
      } else {
        return std::nullopt;
      }
      continue;
    }
    if ((c == '+' || c == '-') && h >= 0 && i + 1 < s.size() && is_digit(s[i + 1])) {
      std::size_t j = i + 1;
      while (j < s.size() && (is_digit(s[j]) || s[j] == ':')) ++j;
      auto z = numeric_zone(s.substr(i, j - i));
      if (!z) return std::nullopt;
      // "GMT+0100": the named zone was only a label for the offset that follows.
      offset = *z;
      i = j;
      continue;
    }
    if (is_digit(c)) {
      std::size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      const std::string_view num = s.substr(i, j - i);
      if (num.size() > 4) return std::nullopt;
      int v = 0;
      for (char d : num) v = v * 10 + (d - '0');
      if (j < s.size() && s[j] == ':' && h < 0) {
        // a time: h:mm[:ss][.frac]
        h = v;
        std::size_t k = j + 1;
        int part = 0;
        std::size_t n = 0;
        while (k < s.size() && is_digit(s[k]) && n < 2) part = part * 10 + (s[k++] - '0'), ++n;
        if (n == 0) return std::nullopt;
        mi = part;
        if (k < s.size() && s[k] == ':') {
          ++k;
          part = 0, n = 0;
          while (k < s.size() && is_digit(s[k]) && n < 2) part = part * 10 + (s[k++] - '0'), ++n;
          if (n == 0) return std::nullopt;
          sec = part;
          if (k < s.size() && s[k] == '.') {
            ++k;
            while (k < s.size() && is_digit(s[k])) ++k;
          }
        }
        i = k;
        continue;
      }
      i = j;
      if (num.size() == 4 && year < 0) {
        year = v;
      } else if (loose_count < loose.size()) {
        loose[loose_count++] = v * (num.size() >= 3 ? -1 : 1) - (num.size() >= 3 ? 1 : 0);
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (c == ' ' || c == ',' || c == '-' || c == '/' || c == '.' || c == '\t' || c == '\n' ||
        c == '\r' || c == '(' || c == ')') {
      ++i;
      continue;
    }
    return std::nullopt;
  }
  // Loose numbers: the day, then a two- or three-digit year.
  std::size_t k = 0;
  auto take = [&](int& v) {
    if (k >= loose_count) return false;
    const int raw = loose[k++];
    v = raw < 0 ? -(raw + 1) : raw;
    if (raw < 0) v += 1900;  // a three-digit year counts from 1900
    return true;
  };
  if (day < 0 && !take(day)) return std::nullopt;
  if (year < 0) {
    if (!take(year)) return std::nullopt;
    if (year < 50) year += 2000;
    else if (year < 100) year += 1900;
  }
  if (k != loose_count || month == 0) return std::nullopt;
  if (h < 0) h = 0;
  if (pm && h < 12) h += 12;
  if (am && h == 12) h = 0;
  return make_instant(year, month, day, h, mi, sec, offset.value_or(0));
}

std::optional<Instant> parse_date(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  if (s.size() >= 4 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3])) {
    if (auto t = parse_iso8601(s)) return t;
  }
  return parse_rfc822(s);
}

}  // namespace feedd::feed
