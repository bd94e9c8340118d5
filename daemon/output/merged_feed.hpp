#pragma once
// The merged feed: the newest entries across all feeds, as Atom 1.0 and RSS 2.0.
// Rendering is pure (entries in, document out); writing is atomic and skipped when
// nothing changed.

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "output/atomic_file.hpp"
#include "store/store.hpp"

namespace feedd::output {

struct MergedFeedMeta {
  std::string title = "feedd";
  std::string subtitle;
  std::string base_url;  // where the output directory is served; "" when unknown
  std::string name = "feed";  // file stem: feed.atom, feed.rss (tags: tags/TAG)
};

std::string render_atom(const std::vector<store::StoredEntry>& entries, const MergedFeedMeta& meta);
std::string render_rss(const std::vector<store::StoredEntry>& entries, const MergedFeedMeta& meta);

struct MergedWrite {
  WriteOutcome atom = WriteOutcome::unchanged;
  WriteOutcome rss = WriteOutcome::unchanged;
};

// Writes DIR/NAME.atom and DIR/NAME.rss from `entries` (already newest first).
Result<MergedWrite> write_merged_feed(const std::filesystem::path& dir,
                                      const std::vector<store::StoredEntry>& entries,
                                      const MergedFeedMeta& meta);

}  // namespace feedd::output
