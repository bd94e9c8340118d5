#include "output/publisher.hpp"

#include <cctype>

namespace feedd::output {
namespace {

// Entries handed to the digest per store query; more than this loops. Each batch ends
// with an fdatasync of the day's file, and its entries are light (no bodies).
constexpr std::size_t kDigestBatch = 10000;

}  // namespace

std::string tag_file_stem(const std::string& tag) {
  std::string stem;
  for (unsigned char c : tag) {
    stem += (std::isalnum(c) || c == '-' || c == '_' || c == '.') ? static_cast<char>(c) : '-';
  }
  return stem.empty() || stem[0] == '.' ? "-" + stem : stem;
}

Publisher::Publisher(store::Store& store, PublisherOptions options)
    : store_(store), options_(std::move(options)), digest_(options_.output_dir / "digest", options_.digest_days) {}

Status Publisher::write_digest(Instant now) {
  for (;;) {
    auto pending = store_.undigested(kDigestBatch);
    if (pending.empty()) return Ok{};
    auto appended = digest_.append(pending, now);
    if (!appended) return appended;
    std::vector<std::int64_t> ids;
    ids.reserve(pending.size());
    for (const auto& e : pending) ids.push_back(e.id);
    auto marked = store_.mark_digested(ids);
    if (!marked) return marked;
    digest_.recorded();
    if (pending.size() < kDigestBatch) return Ok{};
  }
}

Status Publisher::write_metrics(const Metrics& metrics) {
  // Counters start at zero with each process: a power loss that brings an older file
  // back loses nothing, so it is not worth two disk flushes at each write.
  auto written = write_atomically(options_.output_dir / "feedd.prom", render_prometheus(metrics),
                                  Durability::visible);
  if (!written) return written.error();
  return Ok{};
}

Status Publisher::write_merged(const std::filesystem::path& dir, std::vector<store::StoredEntry> entries,
                               const MergedFeedMeta& meta) {
  if (auto assigned = store_.assign_ids(entries); !assigned) return assigned;
  auto written = write_merged_feed(dir, entries, meta);
  if (!written) return written.error();
  return Ok{};
}

Status Publisher::write_feeds(Instant now) {
  std::error_code ec;
  std::filesystem::create_directories(options_.output_dir, ec);
  if (ec) return make_error(options_.output_dir.string() + ": cannot create directory: " + ec.message());

  if (!swept_) {
    swept_ = true;
    remove_stale_temporaries(options_.output_dir);
    remove_stale_temporaries(options_.output_dir / "tags");
  }

  MergedFeedMeta meta = options_.meta;
  meta.name = "feed";
  if (auto written = write_merged(options_.output_dir, store_.newest(options_.max_entries), meta); !written) {
    return written;
  }

  if (!options_.tags.empty()) {
    const auto dir = options_.output_dir / "tags";
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(dir.string() + ": cannot create directory: " + ec.message());
    for (const auto& [tag, urls] : options_.tags) {
      MergedFeedMeta tag_meta = options_.meta;
      tag_meta.title = options_.meta.title + ": " + tag;
      tag_meta.name = tag_file_stem(tag);
      if (!tag_meta.base_url.empty()) {
        tag_meta.base_url += (tag_meta.base_url.back() == '/' ? "" : "/");
        tag_meta.base_url += "tags";
      }
      auto tag_written = write_merged(dir, store_.newest(options_.max_entries, urls), tag_meta);
      if (!tag_written) return tag_written;
    }
  }
  return digest_.update_today(now);
}

}  // namespace feedd::output
