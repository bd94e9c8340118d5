#include "schedule/schedule.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "common/ascii.hpp"
#include "feed/dates.hpp"

namespace feedd::schedule {
namespace {

constexpr Seconds kHour{3600};
constexpr Seconds kDay{86400};
// Quiet feeds: after this many polls in a row without anything new, the wait doubles,
// and doubles again after as many more, up to kMaxSlowdown times the interval.
constexpr int kQuietPolls = 3;
constexpr int kMaxSlowdown = 8;
// Busy feeds: polled as often as they post, but at most this many times as often as
// their configured interval.
constexpr int kMaxSpeedup = 4;

std::optional<std::int64_t> to_seconds(std::string_view digits) {
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) return std::int64_t{100} * 365 * 86400;  // "forever"
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return v;
}

// A uniform value in [-1, 1) from a seed (splitmix64: the same seed, the same value).
double unit_jitter(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(std::uint64_t{1} << 52) - 1.0;
}

Seconds scaled(Seconds s, double factor) {
  return Seconds{static_cast<std::int64_t>(static_cast<double>(s.count()) * factor + 0.5)};
}

// A wait and where it came from.
struct Wait {
  Seconds value;
  std::string reason;
};

// Within [floor, ceiling], saying so when a bound decided ("capped at" + `ceiling_name`).
void bound(Wait& w, Seconds floor, Seconds ceiling, std::string_view ceiling_name) {
  if (w.value < floor) {
    w.value = floor;
    w.reason += ", raised to the floor " + format_duration(floor);
  } else if (w.value > ceiling) {
    w.value = ceiling;
    w.reason += ", capped at ";
    w.reason += ceiling_name;
    w.reason += format_duration(ceiling);
  }
}

Wait base_interval(const Policy& p, const History& h) {
  const Seconds configured = std::clamp(p.interval, p.min_interval, p.max_interval);
  Wait w{p.interval, "interval " + format_duration(p.interval)};
  if (!p.adaptive) return w;
  if (h.polls_without_new >= kQuietPolls) {
    const int factor = std::min(kMaxSlowdown, 1 << std::min(h.polls_without_new / kQuietPolls, 3));
    const Seconds slow = configured * factor;
    return {slow, "adaptive " + format_duration(slow) + " (no new entries in " +
                      std::to_string(h.polls_without_new) + " polls)"};
  }
  if (h.entry_gap.count() > 0 && h.entry_gap < configured) {
    const Seconds fast = std::max(h.entry_gap, configured / kMaxSpeedup);
    return {fast, "adaptive " + format_duration(fast) + " (new entries every ~" + format_duration(h.entry_gap) + ")"};
  }
  return w;
}

// "0-6,22-23"
std::string hour_ranges(std::vector<int> hours) {
  std::sort(hours.begin(), hours.end());
  hours.erase(std::unique(hours.begin(), hours.end()), hours.end());
  std::string out;
  for (std::size_t i = 0; i < hours.size();) {
    std::size_t j = i;
    while (j + 1 < hours.size() && hours[j + 1] == hours[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(hours[i]);
    if (j > i) out += '-' + std::to_string(hours[j]);
    i = j + 1;
  }
  return out;
}

constexpr std::array<std::string_view, 7> kDayNames{"Sunday", "Monday", "Tuesday", "Wednesday",
                                                     "Thursday", "Friday", "Saturday"};

bool skipped(const feed::Hints& h, Instant t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const int hour = static_cast<int>(std::chrono::duration_cast<std::chrono::hours>(t - day).count());
  if (std::find(h.skip_hours.begin(), h.skip_hours.end(), hour) != h.skip_hours.end()) return true;
  const std::string_view name = kDayNames[std::chrono::weekday{std::chrono::sys_days{day}}.c_encoding()];
  return std::any_of(h.skip_days.begin(), h.skip_days.end(), [&](const std::string& d) { return iequals(d, name); });
}

// Moves `due` past the feed's skipHours/skipDays (UTC) when that stays within the ceiling.
void apply_skips(Instant& due, std::string& reason, const feed::Hints& h, const Policy& p, Instant now,
                 Seconds extra) {
  if ((h.skip_hours.empty() && h.skip_days.empty()) || !skipped(h, due)) return;
  Instant t = due;
  for (int i = 0; i < 24 * 8 && skipped(h, t); ++i) {
    t = std::chrono::floor<std::chrono::hours>(t) + kHour;
  }
  if (skipped(h, t)) return;  // every hour skipped: the hint says nothing usable
  t += extra;                 // feeds released at the same hour do not all fire at once
  if (t - now > p.max_interval) return;  // the ceiling wins over the hint
  due = t;
  std::string what;
  if (!h.skip_hours.empty() && !h.skip_days.empty()) {
    what = "skipHours " + hour_ranges(h.skip_hours) + " / skipDays";
  } else if (!h.skip_hours.empty()) {
    what = "skipHours " + hour_ranges(h.skip_hours);
  } else {
    what = "skipDays";
  }
  if (!h.skip_days.empty()) {
    std::string days;
    for (const auto& d : h.skip_days) days += (days.empty() ? " " : ",") + d;
    what += days;
  }
  reason = what + " (" + reason + ")";
}

}  // namespace

void record_success(History& history, std::size_t new_entries, Instant now) {
  if (new_entries == 0) {
    ++history.polls_without_new;
    return;
  }
  history.polls_without_new = 0;
  if (history.last_new && now > *history.last_new) {
    const Seconds sample{(now - *history.last_new).count() / static_cast<std::int64_t>(new_entries)};
    history.entry_gap = history.entry_gap.count() == 0 ? sample : (history.entry_gap + sample) / 2;
  }
  history.last_new = now;
}

Decision decide(const Policy& policy, const Poll& poll, const History& history, std::uint64_t seed) {
  const double u = unit_jitter(seed);
  const Seconds configured = std::clamp(policy.interval, policy.min_interval, policy.max_interval);

  if (poll.retry_after) {
    // The server said when: never earlier (jitter only adds), never below our floor, and
    // beyond the ceiling when it asks, up to max_retry_after.
    Wait w{*poll.retry_after, "Retry-After " + std::to_string(poll.retry_after->count()) + "s"};
    bound(w, policy.min_interval, policy.max_retry_after, "");
    const Seconds wait = std::min(w.value + scaled(w.value, std::abs(u) * policy.jitter), policy.max_retry_after);
    return {poll.now + std::max(wait, w.value), w.reason};
  }

  Wait w;
  if (!poll.success && poll.consecutive_errors > 0) {
    // Exponential backoff from the interval: x2 per consecutive error, capped.
    Seconds wait = configured;
    for (int i = 0; i < poll.consecutive_errors && wait < policy.max_interval; ++i) wait *= 2;
    const int n = poll.consecutive_errors;
    w = {std::min(wait, policy.max_interval),
         "backoff (" + std::to_string(n) + (n == 1 ? " error)" : " errors)")};
  } else {
    w = base_interval(policy, history);
    // The feed's and the server's hints say how long polling again is pointless: each
    // one can only lengthen the wait, and the floor and ceiling still bound it.
    auto lengthen = [&](std::optional<Seconds> hint, std::string reason) {
      if (hint && *hint > w.value) w = {*hint, std::move(reason)};
    };
    if (history.hints.ttl_minutes && *history.hints.ttl_minutes > 0) {
      const Seconds ttl{std::int64_t{*history.hints.ttl_minutes} * 60};
      lengthen(ttl, "ttl " + format_duration(ttl));
    }
    if (auto sy = syndication_interval(history.hints)) {
      lengthen(sy, "sy:updatePeriod " + format_duration(*sy));
    }
    if (poll.freshness && poll.freshness->count() > 0) {
      lengthen(poll.freshness, "Cache-Control/Expires " + format_duration(*poll.freshness));
    }
  }
  bound(w, policy.min_interval, policy.max_interval, "the ceiling ");

  // Jitter spreads feeds that were added together; the bounds still hold afterwards.
  const Seconds jittered = std::clamp(w.value + scaled(w.value, u * policy.jitter), policy.min_interval,
                                      std::max(policy.min_interval, policy.max_interval));
  Instant due = poll.now + jittered;
  if (poll.success || poll.consecutive_errors == 0) {
    apply_skips(due, w.reason, history.hints, policy, poll.now, scaled(configured, std::abs(u) * policy.jitter));
  }
  return {due, w.reason};
}

std::optional<Seconds> parse_retry_after(std::string_view value, Instant now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (auto s = to_seconds(value)) return Seconds{*s};
  const auto when = feed::parse_date(value);
  if (!when) return std::nullopt;
  return *when > now ? Seconds{*when - now} : Seconds{0};
}

std::optional<Seconds> freshness(std::string_view cache_control, std::string_view expires, std::string_view date,
                                 Instant now) {
  std::optional<Seconds> max_age;
  std::string_view rest = cache_control;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view directive = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const std::size_t eq = directive.find('=');
    const std::string_view name = trim(directive.substr(0, eq));
    if (iequals(name, "no-cache") || iequals(name, "no-store")) return Seconds{0};
    if (iequals(name, "max-age") && eq != std::string_view::npos) {
      std::string_view v = trim(directive.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (auto s = to_seconds(v)) max_age = Seconds{*s};
    }
  }
  if (max_age) return max_age;
  if (trim(expires).empty()) return std::nullopt;
  const auto until = feed::parse_date(trim(expires));
  if (!until) return Seconds{0};  // an invalid Expires means "already expired" (RFC 9111)
  const Instant origin = feed::parse_date(trim(date)).value_or(now);
  return *until > origin ? Seconds{*until - origin} : Seconds{0};
}

std::optional<Seconds> syndication_interval(const feed::Hints& hints) {
  if (hints.update_period.empty() && !hints.update_frequency) return std::nullopt;
  Seconds period = kDay;  // the module's default
  const std::string_view p = trim(hints.update_period);
  if (iequals(p, "hourly")) {
    period = kHour;
  } else if (iequals(p, "weekly")) {
    period = 7 * kDay;
  } else if (iequals(p, "monthly")) {
    period = 30 * kDay;
  } else if (iequals(p, "yearly")) {
    period = 365 * kDay;
  } else if (!p.empty() && !iequals(p, "daily")) {
    return std::nullopt;
  }
  const int frequency = std::max(1, hints.update_frequency.value_or(1));
  return period / frequency;
}

std::string format_duration(Seconds s) {
  std::int64_t v = s.count();
  if (v < 60) return std::to_string(v) + "s";
  std::string out;
  for (const auto& [unit, name] : {std::pair{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}) {
    if (v >= unit) out += std::to_string(v / unit) + name;
    v %= unit;
  }
  return out;
}

std::uint64_t monotonic_due(Instant due, Instant wall_now, std::uint64_t mono_now_ms, Seconds max_wait) {
  const Seconds wait = std::clamp(Seconds{due - wall_now}, Seconds{0}, std::max(max_wait, Seconds{0}));
  return mono_now_ms + static_cast<std::uint64_t>(wait.count()) * 1000;
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
