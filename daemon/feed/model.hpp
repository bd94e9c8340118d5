#pragma once
// The normalized feed model: what every dialect of RSS and Atom becomes.
// Text is valid UTF-8 without DEL or C0 control characters (tab, newline and carriage
// return excepted); URLs are absolute where a base allowed resolving them; times are UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace feedd::feed {

struct Person {
  std::string name;
  std::string email;
  std::string uri;
};

struct Enclosure {
  std::string url;
  std::string type;
  std::optional<std::int64_t> length;
};

struct Entry {
  std::string id;       // guid / atom:id, as given
  std::string link;     // best alternate link, absolute
  std::string title;    // plain text
  std::string summary;  // HTML
  std::string content;  // HTML
  std::optional<Instant> published;
  std::optional<Instant> updated;
  // A date far in the future (a broken clock or a typo at the source): kept, and
  // flagged so the store can clamp it to the first-seen time.
  bool date_in_future = false;
  std::vector<Person> authors;
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::string thumbnail;  // media:thumbnail, absolute (an addition to the JSON shape)
};

// Polling hints a feed gives about itself (RSS ttl, skipHours/skipDays, syndication).
struct Hints {
  std::optional<int> ttl_minutes;
  std::vector<int> skip_hours;          // 0..23, UTC
  std::vector<std::string> skip_days;   // "Monday" .. "Sunday"
  std::string update_period;            // sy:updatePeriod: hourly, daily, weekly, monthly, yearly
  std::optional<int> update_frequency;  // sy:updateFrequency
};

struct Feed {
  std::string format;    // rss090 rss091 rss092 rss20 rss10 atom03 atom10
  std::string encoding;  // the encoding the bytes were decoded from, e.g. "utf-8"
  std::string title;
  std::string link;
  std::string subtitle;
  std::string id;
  std::optional<Instant> updated;
  std::optional<Instant> published;
  std::vector<Person> authors;
  std::vector<Entry> entries;
  std::size_t entries_unread = 0;  // entries past ParseOptions::max_entries, not read
  Hints hints;
};

}  // namespace feedd::feed
