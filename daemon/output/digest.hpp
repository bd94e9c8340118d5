#pragma once
// The daily digest: DIR/YYYY-MM-DD.txt, one line per new entry, appended as entries
// arrive (never rebuilt), and DIR/today pointing at the current day's file.
//
// Line format (fields separated by two spaces; no field holds a newline or a control
// character, and runs of white space inside a field become one space):
//   HH:MM  FEED TITLE  ENTRY TITLE  URL
// HH:MM is the local time the entry was first seen. Each file opens with a header line:
//   # feedd digest YYYY-MM-DD

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "output/local_time.hpp"
#include "store/store.hpp"

namespace feedd::output {

std::string digest_line(const store::StoredEntry& entry);

class Digest {
 public:
  // keep_days: the day's file and the files of the keep_days - 1 days before it are kept,
  // older ones removed when the day changes; 0 keeps every file.
  explicit Digest(std::filesystem::path dir, int keep_days = 0);

  // Appends one line per entry to the file of the day it was first seen, skipping a
  // line that the file already ends with (a crash between this append and the store's
  // record of it must not write the entry twice), and points `today` at the file of
  // the day `now` falls in. Each day's file is fdatasync'd before this returns.
  Status append(const std::vector<store::StoredEntry>& entries, Instant now);
  // The store has recorded the entries of the last append: until one of that append's
  // files changes size by other hands, the next append to it skips reading its tail
  // back.
  void recorded();

  // Points DIR/today at the file for the day `now` falls in (creating it with its header),
  // replacing the link atomically, and removes the files of days no longer kept.
  // Cheap when nothing changed: call it as often as convenient, and at midnight.
  Status update_today(Instant now);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  Status prune(Instant now);

  std::filesystem::path dir_;
  int keep_days_;
  std::string pruned_for_;  // the day whose pruning is done
  std::map<std::filesystem::path, std::uintmax_t> appended_size_;  // sizes after appends not yet recorded
  std::map<std::filesystem::path, std::uintmax_t> recorded_size_;  // sizes when every line was recorded
};

}  // namespace feedd::output
