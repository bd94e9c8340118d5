#pragma once
// The daily digest: DIR/YYYY-MM-DD.txt, one line per new entry, appended as entries
// arrive (never rebuilt), and DIR/today pointing at the current day's file.
//
// Line format (fields separated by two spaces; no field holds a newline or a control
// character, and runs of white space inside a field become one space):
//   HH:MM  FEED TITLE  ENTRY TITLE  URL
// HH:MM is the local time the entry was first seen. Each file opens with a header line:
//   # feedd digest YYYY-MM-DD

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace feedd::output {

// The day (local time) an instant belongs to, "YYYY-MM-DD", and its "HH:MM".
std::string local_day(Instant t);
std::string local_clock(Instant t);

std::string digest_line(const store::StoredEntry& entry);

class Digest {
 public:
  explicit Digest(std::filesystem::path dir);

  // Appends one line per entry to the file of the day it was first seen, skipping a
  // line that the file already ends with (a crash between this append and the store's
  // record of it must not write the entry twice), and points `today` at the file of
  // the day `now` falls in. Each day's file is fdatasync'd before this returns.
  Status append(const std::vector<store::StoredEntry>& entries, Instant now);

  // Points DIR/today at the file for the day `now` falls in (creating it with its header).
  Status update_today(Instant now);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace feedd::output
