#include "config/keys.hpp"

#include <array>

namespace feedd::config {
namespace {

constexpr std::int64_t kDay = 86400;

// clang-format off
constexpr std::array kKeys{
  KeySpec{"feedd", "database", KeyType::path, "\"feedd.db\"", 0, 0,
          "SQLite database file (relative paths are relative to the config file)",
          [](Config& c, FeedConfig*, const Value& v) { c.database = v.text; }},
  KeySpec{"feedd", "output_dir", KeyType::path, "\"output\"", 0, 0,
          "Directory for feed.atom, feed.rss and digest/",
          [](Config& c, FeedConfig*, const Value& v) { c.output_dir = v.text; }},
  KeySpec{"feedd", "log_level", KeyType::string, "\"info\"", 0, 0,
          "trace, debug, info, warn, error or off",
          [](Config& c, FeedConfig*, const Value& v) { c.log_level = v.text; }},
  KeySpec{"feedd", "feeds_file", KeyType::path, "", 0, 0,
          "A file of more [[feed]] tables, read after this one; `feedd import-opml` appends there",
          [](Config& c, FeedConfig*, const Value& v) { c.feeds_file = v.text; }},

  KeySpec{"schedule", "interval", KeyType::duration, "\"30m\"", 1, 7 * kDay,
          "Default time between polls of a feed",
          [](Config& c, FeedConfig*, const Value& v) { c.interval = Seconds{v.number}; }},
  KeySpec{"schedule", "min_interval", KeyType::duration, "\"5m\"", 1, 7 * kDay,
          "No feed is polled more often than this, whatever its settings or hints (lower it only deliberately)",
          [](Config& c, FeedConfig*, const Value& v) { c.min_interval = Seconds{v.number}; }},
  KeySpec{"schedule", "max_interval", KeyType::duration, "\"24h\"", 1, 30 * kDay,
          "No feed waits longer than this between polls (backoff included)",
          [](Config& c, FeedConfig*, const Value& v) { c.max_interval = Seconds{v.number}; }},

  KeySpec{"fetch", "user_agent", KeyType::string, "", 0, 0,
          "User-Agent header (default: feedd/VERSION (+project URL))",
          [](Config& c, FeedConfig*, const Value& v) { c.user_agent = v.text; }},
  KeySpec{"fetch", "max_body_bytes", KeyType::integer, "16777216", 1024, std::int64_t{1} << 30,
          "Largest feed body accepted, counted after decompression",
          [](Config& c, FeedConfig*, const Value& v) { c.max_body_bytes = v.number; }},
  KeySpec{"fetch", "connect_timeout", KeyType::duration, "\"15s\"", 1, 300,
          "Time allowed to connect",
          [](Config& c, FeedConfig*, const Value& v) { c.connect_timeout = Seconds{v.number}; }},
  KeySpec{"fetch", "timeout", KeyType::duration, "\"60s\"", 1, 3600,
          "Time allowed for a whole transfer",
          [](Config& c, FeedConfig*, const Value& v) { c.timeout = Seconds{v.number}; }},
  KeySpec{"fetch", "max_redirects", KeyType::integer, "5", 0, 20,
          "Redirects followed per poll",
          [](Config& c, FeedConfig*, const Value& v) { c.max_redirects = v.number; }},
  KeySpec{"fetch", "max_connections", KeyType::integer, "32", 1, 1024,
          "Transfers at once, all hosts together",
          [](Config& c, FeedConfig*, const Value& v) { c.max_connections = v.number; }},
  KeySpec{"fetch", "max_host_connections", KeyType::integer, "2", 1, 64,
          "Transfers at once to one host",
          [](Config& c, FeedConfig*, const Value& v) { c.max_host_connections = v.number; }},
  KeySpec{"fetch", "max_buffered_bytes", KeyType::integer, "67108864", std::int64_t{1} << 20,
          std::int64_t{1} << 36,
          "Bytes of fetched documents held in memory at once (being received, or parsed and waiting "
          "for the store); no transfer starts while there are more, though one always may",
          [](Config& c, FeedConfig*, const Value& v) { c.max_buffered_bytes = v.number; }},

  KeySpec{"output", "title", KeyType::string, "\"feedd\"", 0, 0,
          "Title of the merged feed",
          [](Config& c, FeedConfig*, const Value& v) { c.title = v.text; }},
  KeySpec{"output", "subtitle", KeyType::string, "", 0, 0,
          "Subtitle of the merged feed",
          [](Config& c, FeedConfig*, const Value& v) { c.subtitle = v.text; }},
  KeySpec{"output", "base_url", KeyType::url, "", 0, 0,
          "URL at which output_dir is served (for the feeds' self links)",
          [](Config& c, FeedConfig*, const Value& v) { c.base_url = v.text; }},
  KeySpec{"output", "max_entries", KeyType::integer, "200", 1, 10000,
          "Entries in the merged feed, newest first",
          [](Config& c, FeedConfig*, const Value& v) { c.max_entries = v.number; }},
  KeySpec{"output", "timezone", KeyType::string, "", 0, 0,
          "Time zone of the digest's days and times, e.g. \"Europe/Moscow\" (default: the system's)",
          [](Config& c, FeedConfig*, const Value& v) { c.timezone = v.text; }},
  KeySpec{"output", "digest_days", KeyType::integer, "30", 0, 36500,
          "Days of digest files kept, today included; 0 keeps them all",
          [](Config& c, FeedConfig*, const Value& v) { c.digest_days = v.number; }},

  KeySpec{"store", "tracking_params", KeyType::string_list, "[]", 0, 0,
          "Query parameters removed from article URLs, besides utm_*, fbclid, gclid, mc_cid, mc_eid",
          [](Config& c, FeedConfig*, const Value& v) { c.tracking_params = v.list; }},
  KeySpec{"store", "retention_days", KeyType::integer, "90", 0, 36500,
          "Entries are kept this many days after first seen (0: no age limit)",
          [](Config& c, FeedConfig*, const Value& v) { c.retention_days = v.number; }},
  KeySpec{"store", "max_entries_per_feed", KeyType::integer, "1000", 0, 1000000,
          "Each feed keeps at most this many entries, newest first; of a document with more, only the newest this many are stored (0: no cap)",
          [](Config& c, FeedConfig*, const Value& v) { c.max_entries_per_feed = v.number; }},
  KeySpec{"store", "tombstone_days", KeyType::integer, "365", 1, 36500,
          "A pruned entry is remembered this long after a feed last carried it, so it is not new again",
          [](Config& c, FeedConfig*, const Value& v) { c.tombstone_days = v.number; }},
  KeySpec{"store", "integrity_check_interval", KeyType::duration, "\"1d\"", 1, 365 * kDay,
          "How often the whole database is checked for corruption (SQLite's quick_check): a running "
          "daemon checks at start and then this often, and stops on a corrupt file; a one-shot round "
          "checks when the last check is this old",
          [](Config& c, FeedConfig*, const Value& v) { c.integrity_check_interval = Seconds{v.number}; }},

  KeySpec{"schedule", "jitter_percent", KeyType::integer, "10", 0, 50,
          "Each wait between polls moves by up to plus or minus this percentage, so feeds added together spread out",
          [](Config& c, FeedConfig*, const Value& v) { c.jitter_percent = v.number; }},
  KeySpec{"schedule", "host_spacing", KeyType::duration, "\"1s\"", 0, 300,
          "Polls of feeds on one host start at least this far apart",
          [](Config& c, FeedConfig*, const Value& v) { c.host_spacing = Seconds{v.number}; }},
  KeySpec{"schedule", "adaptive", KeyType::boolean, "true", 0, 0,
          "Poll feeds that rarely change less often and busy ones more often (within min_interval and max_interval)",
          [](Config& c, FeedConfig*, const Value& v) { c.adaptive = v.flag; }},
  KeySpec{"schedule", "disable_after_days", KeyType::integer, "30", 0, 3650,
          "A feed failing for this many days is disabled (0: never)",
          [](Config& c, FeedConfig*, const Value& v) { c.disable_after_days = v.number; }},
  KeySpec{"schedule", "max_retry_after", KeyType::duration, "\"7d\"", 60, 30 * kDay,
          "A server's Retry-After is honoured, beyond max_interval if need be, up to this",
          [](Config& c, FeedConfig*, const Value& v) { c.max_retry_after = Seconds{v.number}; }},
  KeySpec{"fetch", "low_speed_bytes", KeyType::integer, "64", 0, 1 << 20,
          "A transfer slower than this many bytes per second for low_speed_time is aborted (0: never)",
          [](Config& c, FeedConfig*, const Value& v) { c.low_speed_bytes = v.number; }},
  KeySpec{"fetch", "low_speed_time", KeyType::duration, "\"30s\"", 1, 3600,
          "How long a transfer may stay below low_speed_bytes per second",
          [](Config& c, FeedConfig*, const Value& v) { c.low_speed_time = Seconds{v.number}; }},
  KeySpec{"fetch", "permanent_redirect_polls", KeyType::integer, "2", 1, 100,
          "Polls in a row that must see the same 301/308 redirect before the feed is polled at its new URL",
          [](Config& c, FeedConfig*, const Value& v) { c.permanent_redirect_polls = v.number; }},
  KeySpec{"fetch", "ca_file", KeyType::path, "", 0, 0,
          "PEM file of CA certificates that verify https servers instead of the system's store, for feeds behind a private CA (default: the system's)",
          [](Config& c, FeedConfig*, const Value& v) { c.ca_file = v.text; }},

  KeySpec{"feed", "url", KeyType::url, "", 0, 0,
          "The feed's URL: http(s)://, file:///absolute/path or file:path/relative/to/config (required)",
          [](Config&, FeedConfig* f, const Value& v) { f->url = v.text; }},
  KeySpec{"feed", "title", KeyType::string, "", 0, 0,
          "Name shown for the feed in outputs (default: the feed's own title)",
          [](Config&, FeedConfig* f, const Value& v) { f->title = v.text; }},
  KeySpec{"feed", "tags", KeyType::string_list, "[]", 0, 0,
          "Tags; each tag gets merged feeds of its own",
          [](Config&, FeedConfig* f, const Value& v) { f->tags = v.list; }},
  KeySpec{"feed", "interval", KeyType::duration, "", 1, 7 * kDay,
          "Time between polls of this feed (default: schedule.interval)",
          [](Config&, FeedConfig* f, const Value& v) { f->interval = Seconds{v.number}; }},
  KeySpec{"feed", "user_agent", KeyType::string, "", 0, 0,
          "User-Agent for this feed only",
          [](Config&, FeedConfig* f, const Value& v) { f->user_agent = v.text; }},
  KeySpec{"feed", "headers", KeyType::string_list, "[]", 0, 0,
          "Extra request headers, each \"Name: value\"",
          [](Config&, FeedConfig* f, const Value& v) { f->headers = v.list; }},
};
// clang-format on

}  // namespace

std::span<const KeySpec> keys() { return kKeys; }

std::string_view type_name(KeyType type) {
  switch (type) {
    case KeyType::string: return "a string";
    case KeyType::integer: return "an integer";
    case KeyType::duration: return "a duration";
    case KeyType::boolean: return "a boolean";
    case KeyType::string_list: return "an array of strings";
    case KeyType::path: return "a path";
    case KeyType::url: return "a URL";
  }
  return "?";
}

}  // namespace feedd::config
