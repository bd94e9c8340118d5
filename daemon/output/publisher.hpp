#pragma once
// Everything the daemon writes for readers, from the store only: the merged feeds (all
// entries, and one per tag) and the daily digest.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "output/digest.hpp"
#include "output/merged_feed.hpp"
#include "output/metrics.hpp"
#include "store/store.hpp"

namespace feedd::output {

struct PublisherOptions {
  std::filesystem::path output_dir;
  MergedFeedMeta meta;  // name is ignored: "feed" for the whole, the tag for tags
  std::size_t max_entries = 200;
  int digest_days = 0;  // digest files kept (today included); 0 keeps them all
  // tag -> URLs of the feeds that carry it
  std::vector<std::pair<std::string, std::vector<std::string>>> tags;
};

class Publisher {
 public:
  Publisher(store::Store& store, PublisherOptions options);

  // Appends the entries the digest has not written yet, then records them in the store.
  Status write_digest(Instant now);
  // Rewrites the merged feeds whose content changed, and keeps digest/today current.
  Status write_feeds(Instant now);
  // Points digest/today at the day `now` falls in and prunes old days (at midnight).
  Status roll_day(Instant now) { return digest_.update_today(now); }
  // Replaces OUTPUT_DIR/feedd.prom atomically.
  Status write_metrics(const Metrics& metrics);

  const PublisherOptions& options() const { return options_; }

 private:
  // Fixes the entries' ids (Store::assign_ids), then writes DIR/NAME.atom and .rss.
  Status write_merged(const std::filesystem::path& dir, std::vector<store::StoredEntry> entries,
                      const MergedFeedMeta& meta);

  store::Store& store_;
  PublisherOptions options_;
  Digest digest_;
  bool swept_ = false;  // leftovers of a killed writer removed
};

// A tag as a file name: letters, digits, '-', '_' and '.'; anything else becomes '-'.
std::string tag_file_stem(const std::string& tag);

}  // namespace feedd::output
