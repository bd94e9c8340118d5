#include "store/recent.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <utility>

namespace feedd::store {

void RecentEntries::rank_from_empty() { seed_newest({}, kRankCapacity, 0); }

void RecentEntries::seed_newest(const std::vector<Ranked>& newest, std::size_t limit, std::int64_t newest_id) {
  if (limit == 0 || limit > kRankCapacity || newest.size() > limit) return;
  ranked_ = newest;
  std::make_heap(ranked_.begin(), ranked_.end(), std::greater<>());
  // Fewer than asked for: the whole store, so any number up to the cap is known.
  rank_capacity_ = newest.size() < limit ? kRankCapacity : limit;
  ranked_valid_ = true;
  last_ranked_id_ = newest_id;
}

void RecentEntries::begin(std::int64_t next_id) {
  staged_.clear();
  staged_updates_.clear();
  if (!unwritten_valid_) {
    unwritten_.clear();
    unwritten_from_ = next_id;
    unwritten_valid_ = true;
  }
}

void RecentEntries::stage(Entry entry) { staged_.push_back(std::move(entry)); }

void RecentEntries::stage_update(std::int64_t id, std::string title, std::optional<Instant> updated) {
  staged_updates_.push_back({id, std::move(title), updated});
}

void RecentEntries::committed() {
  if (ranked_valid_ && !staged_.empty()) {
    for (const Entry& e : staged_) rank({e.published, e.id});
    last_ranked_id_ = staged_.back().id;
  }
  if (unwritten_valid_ && unwritten_.size() + staged_.size() > kUnwrittenMax) drop_unwritten();
  if (unwritten_valid_) {
    std::move(staged_.begin(), staged_.end(), std::back_inserter(unwritten_));
    for (auto& u : staged_updates_) {
      const auto it = std::lower_bound(unwritten_.begin(), unwritten_.end(), u.id,
                                       [](const Entry& e, std::int64_t id) { return e.id < id; });
      if (it == unwritten_.end() || it->id != u.id) continue;
      it->title = std::move(u.title);
      it->updated = u.updated;
    }
  }
  staged_.clear();
  staged_updates_.clear();
}

void RecentEntries::moved(std::int64_t id) {
  if (unwritten_valid_ && id >= unwritten_from_) drop_unwritten();
}

void RecentEntries::removed(std::int64_t id) {
  moved(id);
  if (ranked_valid_ &&
      std::any_of(ranked_.begin(), ranked_.end(), [&](const Ranked& r) { return r.id == id; })) {
    drop_ranked();
  }
}

std::optional<std::vector<RecentEntries::Entry>> RecentEntries::take_unwritten(std::int64_t through,
                                                                               std::int64_t newest_id,
                                                                               std::size_t limit) {
  if (!unwritten_valid_) return std::nullopt;
  // Entries below the list's start not yet written: the database answers.
  if (through + 1 < unwritten_from_) return std::nullopt;
  const auto first = std::upper_bound(unwritten_.begin(), unwritten_.end(), through,
                                      [](std::int64_t t, const Entry& e) { return t < e.id; });
  unwritten_.erase(unwritten_.begin(), first);
  // The newest entry stored is the newest one here (or, with nothing here, written).
  const bool agrees = unwritten_.empty() ? newest_id <= through : newest_id == unwritten_.back().id;
  if (!agrees) {
    drop_unwritten();
    return std::nullopt;
  }
  const std::size_t n = std::min(limit, unwritten_.size());
  const auto end = unwritten_.begin() + static_cast<std::ptrdiff_t>(n);
  std::vector<Entry> out(std::make_move_iterator(unwritten_.begin()), std::make_move_iterator(end));
  if (n > 0) unwritten_from_ = out.back().id + 1;
  unwritten_.erase(unwritten_.begin(), end);
  return out;
}

std::optional<std::vector<std::int64_t>> RecentEntries::newest_ids(std::size_t limit, std::int64_t newest_id) {
  if (!ranked_valid_ || limit > rank_capacity_) return std::nullopt;
  if (newest_id != last_ranked_id_) {
    drop_ranked();
    return std::nullopt;
  }
  std::vector<Ranked> sorted = ranked_;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  std::vector<std::int64_t> ids;
  ids.reserve(std::min(limit, sorted.size()));
  for (std::size_t i = 0; i < sorted.size() && i < limit; ++i) ids.push_back(sorted[i].id);
  return ids;
}

void RecentEntries::drop_unwritten() {
  unwritten_valid_ = false;
  unwritten_.clear();
}

void RecentEntries::drop_ranked() {
  ranked_valid_ = false;
  ranked_.clear();
}

void RecentEntries::rank(const Ranked& r) {
  if (ranked_.size() >= rank_capacity_) {
    if (!(r > ranked_.front())) return;
    std::pop_heap(ranked_.begin(), ranked_.end(), std::greater<>());
    ranked_.pop_back();
  }
  ranked_.push_back(r);
  std::push_heap(ranked_.begin(), ranked_.end(), std::greater<>());
}

}  // namespace feedd::store
