#include "schedule/schedule.hpp"

#include <algorithm>

namespace feedd::schedule {

Decision next_poll(const Policy& policy, int consecutive_errors, Instant now) {
  const Seconds base = std::clamp(policy.interval, policy.min_interval, policy.max_interval);
  if (consecutive_errors <= 0) return {now + base, "interval"};
  // Exponential backoff from the interval: x2 per consecutive error, capped.
  Seconds wait = base;
  for (int i = 0; i < consecutive_errors && wait < policy.max_interval; ++i) wait *= 2;
  wait = std::min(wait, policy.max_interval);
  return {now + wait, "backoff (" + std::to_string(consecutive_errors) + " consecutive errors)"};
}

void DueQueue::push(std::size_t feed, std::uint64_t due_ms) {
  if (feed >= generation_.size()) generation_.resize(feed + 1, 0);
  heap_.push({due_ms, ++generation_[feed], feed});
}

void DueQueue::remove(std::size_t feed) {
  if (feed < generation_.size()) ++generation_[feed];
}

void DueQueue::drop_stale() {
  while (!heap_.empty() && heap_.top().generation != generation_[heap_.top().feed]) heap_.pop();
}

std::optional<std::uint64_t> DueQueue::next_due() {
  drop_stale();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().due_ms;
}

std::vector<std::size_t> DueQueue::pop_due(std::uint64_t now_ms) {
  std::vector<std::size_t> due;
  for (drop_stale(); !heap_.empty() && heap_.top().due_ms <= now_ms; drop_stale()) {
    const std::size_t feed = heap_.top().feed;
    heap_.pop();
    ++generation_[feed];
    due.push_back(feed);
  }
  return due;
}

bool DueQueue::empty() { return !next_due().has_value(); }

}  // namespace feedd::schedule
