#pragma once
// The configuration model. Every key is defined once, in config/keys.cpp (name, type,
// default, bounds, help); loading, `check-config` and the README's reference follow it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace feedd::config {

using Seconds = std::chrono::seconds;

struct FeedConfig {
  std::string url;    // absolute; "file:relative/path" is resolved against the config's directory
  std::string title;  // overrides the feed's own title in outputs when set
  std::vector<std::string> tags;
  std::optional<Seconds> interval;
  std::string user_agent;
  std::vector<std::string> headers;  // "Name: value"
  int line = 0;                      // where the feed is defined: line of its [[feed]]
  std::string file;                  // and the file (the config or its feeds_file)
};

struct Config {
  std::filesystem::path source;  // the file this came from

  // [feedd]
  std::filesystem::path database = "feedd.db";
  std::filesystem::path output_dir = "output";
  std::string log_level = "info";
  std::filesystem::path feeds_file;  // more [[feed]] tables; empty: none

  // [schedule]
  Seconds interval{1800};
  Seconds min_interval{300};
  Seconds max_interval{86400};
  std::int64_t jitter_percent = 10;    // each wait moves by up to ± this much
  Seconds host_spacing{1};             // polls of one host start at least this far apart
  bool adaptive = true;                // quiet feeds slow down, busy ones speed up
  std::int64_t disable_after_days = 30;  // a feed failing this long is disabled; 0: never
  Seconds max_retry_after{7 * 86400};  // a server's Retry-After is honoured up to this

  // [fetch]
  std::string user_agent;  // empty: feedd's own
  std::int64_t max_body_bytes = std::int64_t{16} << 20;
  Seconds connect_timeout{15};
  Seconds timeout{60};
  std::int64_t max_redirects = 5;
  std::int64_t max_connections = 32;
  std::int64_t max_host_connections = 2;
  std::int64_t max_buffered_bytes = std::int64_t{64} << 20;  // documents in memory, received to stored
  std::int64_t low_speed_bytes = 64;   // a transfer slower than this (bytes/s) ...
  Seconds low_speed_time{30};          // ... for this long is aborted
  std::int64_t permanent_redirect_polls = 2;  // polls that confirm a 301/308 before the URL moves
  std::filesystem::path ca_file;       // CA certificates for https instead of the system's; empty: the system's

  // [output]
  std::string title = "feedd";
  std::string subtitle;
  std::string base_url;  // where OUTPUT_DIR is served; used for self links
  std::int64_t max_entries = 200;
  std::string timezone;  // IANA name for the digest's days; empty: the system's
  std::int64_t digest_days = 30;  // digest files kept, today included; 0: all

  // [store]
  std::vector<std::string> tracking_params;  // removed from URLs besides the built-in list
  std::int64_t retention_days = 90;
  std::int64_t max_entries_per_feed = 1000;
  std::int64_t tombstone_days = 365;
  Seconds integrity_check_interval{86400};  // PRAGMA quick_check of the whole database

  std::vector<FeedConfig> feeds;

  // Where each top-level key was set ("feedd.output_dir" -> {line, column}).
  std::map<std::string, std::pair<int, int>> positions;
};

// One problem in a config file: "FILE:LINE:COLUMN: message", on one line (to_string
// escapes control characters and bytes that are not UTF-8).
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string to_string() const;
};

struct LoadResult {
  std::optional<Config> config;  // set only when there were no problems
  std::vector<Diagnostic> problems;
  // Set when feedd.feeds_file names a file that does not exist (one of the problems):
  // `import-opml` creates it.
  std::filesystem::path missing_feeds_file;
};

struct LoadOptions {
  bool allow_no_feeds = false;  // `import-opml` fills an empty config
};

LoadResult load(const std::filesystem::path& path, LoadOptions options = {});
// load(), plus what only the running system can tell: the database's and the output
// directory's places are writable (or creatable) by this process, and fetch.ca_file,
// when set, is a file it can read.
LoadResult check(const std::filesystem::path& path);
LoadResult load_string(std::string_view text, const std::filesystem::path& path, LoadOptions options = {});

// "90", "90s", "15m", "2h", "1d" -> seconds; nullopt when malformed.
std::optional<Seconds> parse_duration(std::string_view text);
// Seconds as the config would write them, in the largest exact unit: 1800 -> "30m".
std::string format_duration(std::int64_t seconds);

// The README's configuration reference: a Markdown table, one row per key of keys(),
// generated so that the two cannot disagree (`feedd check-config --print-reference`).
std::string reference_table();

// A TOML basic string: "..." with quotes, backslashes and control characters escaped.
std::string toml_quote(std::string_view text);

}  // namespace feedd::config
