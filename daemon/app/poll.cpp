#include "app/poll.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "feed/parser.hpp"

namespace feedd::app {
namespace {

using schedule::Seconds;

// Notices of one poll, in one log line.
void add_notice(PollOutcome& out, const std::string& text) {
  if (!out.notice.empty()) out.notice += "; ";
  out.notice += text;
}

void record_error(PollOutcome& out, long status, std::string message) {
  out.failed = true;
  out.state.last_status = static_cast<int>(status);
  out.state.last_error = std::move(message);
  ++out.state.consecutive_errors;
}

void record_success(PollOutcome& out, long status) {
  out.state.last_status = static_cast<int>(status);
  out.state.last_error.clear();
  out.state.consecutive_errors = 0;
  out.state.last_success = out.state.last_poll;
}

// The polled URL follows a chain of 301/308 only once `settings.permanent_redirect_polls`
// successful polls in a row ended at the same place through permanent redirects alone.
// A 302/303/307 anywhere in the chain, or a poll without redirects, starts the count
// again; a failed poll leaves it as it is.
void track_redirects(PollOutcome& out, PollMemory& memory, const fetch::Response& response, bool success,
                     const PollSettings& settings) {
  if (!success) return;
  const auto permanent = [](const auto& r) { return r.first == 301 || r.first == 308; };
  const std::string& polled = poll_url(out.state);
  const std::string target = response.effective_url.empty() && !response.redirects.empty()
                                 ? response.redirects.back().second
                                 : response.effective_url;
  if (response.redirects.empty() || !std::all_of(response.redirects.begin(), response.redirects.end(), permanent) ||
      target.empty() || target == polled) {
    memory.redirect_target.clear();
    memory.redirect_polls = 0;
    return;
  }
  if (target == memory.redirect_target) {
    ++memory.redirect_polls;
  } else {
    memory.redirect_target = target;
    memory.redirect_polls = 1;
  }
  if (memory.redirect_polls < std::max(1, settings.permanent_redirect_polls)) return;
  add_notice(out, "moved permanently: polling " + target + " from now on (was " + polled + ", confirmed on " +
                      std::to_string(memory.redirect_polls) + " polls)");
  out.state.poll_url = target == out.state.url ? std::string{} : target;
  memory.redirect_target.clear();
  memory.redirect_polls = 0;
}

// How many of the document's entries are dated later than any date the feed gave before
// (memory.newest_entry, which moves up to the newest here), and how many have no usable
// date.
struct DateCount {
  std::size_t newer = 0;
  std::size_t undated = 0;
};

DateCount count_by_date(PollMemory& memory, const feed::Feed& parsed) {
  DateCount count;
  std::optional<Instant> newest;
  for (const auto& e : parsed.entries) {
    const auto date = e.published ? e.published : e.updated;
    if (!date || e.date_in_future) {
      ++count.undated;
      continue;
    }
    if (!memory.newest_entry || *date > *memory.newest_entry) ++count.newer;
    if (!newest || *date > *newest) newest = date;
  }
  if (newest && (!memory.newest_entry || *newest > *memory.newest_entry)) memory.newest_entry = newest;
  return count;
}

std::string day_count(std::int64_t days) { return std::to_string(days) + (days == 1 ? " day" : " days"); }

std::optional<Instant> instant_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return Instant{std::chrono::seconds{it->get<std::int64_t>()}};
}

template <class T>
T value_at(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
}

// What a poll's outcome means for the feed's schedule: the history and failure record
// brought up to date, the next due time decided (or none, once disabled), and the memory
// encoded into the state.
void conclude(PollOutcome& out, PollMemory memory, bool success, std::size_t new_entries,
              std::optional<Seconds> retry_after, std::optional<Seconds> fresh, Instant now,
              const PollSettings& settings) {
  if (success) {
    memory.failing_since.reset();
    schedule::record_success(memory.history, new_entries, now);
  } else if (out.failed && out.state.disabled_reason.empty()) {
    if (!memory.failing_since) memory.failing_since = now;
    const auto days = std::chrono::floor<std::chrono::days>(now - *memory.failing_since).count();
    if (settings.disable_after_days > 0 && days >= settings.disable_after_days) {
      out.state.disabled_reason = "failing for " + day_count(days) + " (since " +
                                  format_rfc3339(*memory.failing_since) + "): " + out.state.last_error;
    }
  }

  if (!out.state.disabled_reason.empty()) {
    out.state.next_due.reset();
    out.state.next_due_reason = "disabled";
    add_notice(out, "disabled: " + out.state.disabled_reason);
  } else {
    schedule::Poll poll{.now = now,
                        .success = success,
                        .consecutive_errors = out.state.consecutive_errors,
                        .retry_after = retry_after,
                        .freshness = fresh};
    const auto decision = schedule::decide(settings.policy, poll, memory.history, settings.seed);
    out.state.next_due = decision.due;
    out.state.next_due_reason = decision.reason;
  }
  out.state.schedule_memory = memory.encode();
}

}  // namespace

PollMemory PollMemory::decode(std::string_view text) {
  PollMemory m;
  if (text.empty()) return m;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  m.history.polls_without_new = value_at(j, "polls_without_new", 0);
  m.history.last_new = instant_at(j, "last_new");
  m.history.entry_gap = Seconds{value_at<std::int64_t>(j, "entry_gap", 0)};
  if (const auto ttl = value_at<int>(j, "ttl", 0); ttl > 0) m.history.hints.ttl_minutes = ttl;
  m.history.hints.skip_hours = value_at(j, "skip_hours", std::vector<int>{});
  m.history.hints.skip_days = value_at(j, "skip_days", std::vector<std::string>{});
  m.history.hints.update_period = value_at(j, "update_period", std::string{});
  if (const auto f = value_at<int>(j, "update_frequency", 0); f > 0) m.history.hints.update_frequency = f;
  m.newest_entry = instant_at(j, "newest_entry");
  m.unseen_polls = value_at(j, "unseen_polls", 0);
  m.redirect_target = value_at(j, "redirect_target", std::string{});
  m.redirect_polls = value_at(j, "redirect_polls", 0);
  m.failing_since = instant_at(j, "failing_since");
  m.host_hold_until = instant_at(j, "host_hold_until");
  m.entries_unread = value_at<std::size_t>(j, "entries_unread", 0);
  return m;
}

std::string PollMemory::encode() const {
  nlohmann::json j = nlohmann::json::object();
  const auto put_instant = [&](const char* key, const std::optional<Instant>& t) {
    if (t) j[key] = t->time_since_epoch().count();
  };
  if (history.polls_without_new > 0) j["polls_without_new"] = history.polls_without_new;
  put_instant("last_new", history.last_new);
  if (history.entry_gap.count() > 0) j["entry_gap"] = history.entry_gap.count();
  const auto& h = history.hints;
  // A ttl or frequency of 0 says nothing (schedule::decide ignores it): not kept.
  if (h.ttl_minutes && *h.ttl_minutes > 0) j["ttl"] = *h.ttl_minutes;
  if (!h.skip_hours.empty()) j["skip_hours"] = h.skip_hours;
  if (!h.skip_days.empty()) j["skip_days"] = h.skip_days;
  if (!h.update_period.empty()) j["update_period"] = h.update_period;
  if (h.update_frequency && *h.update_frequency > 0) j["update_frequency"] = *h.update_frequency;
  put_instant("newest_entry", newest_entry);
  if (unseen_polls > 0) j["unseen_polls"] = unseen_polls;
  if (!redirect_target.empty()) {
    j["redirect_target"] = redirect_target;
    j["redirect_polls"] = redirect_polls;
  }
  put_instant("failing_since", failing_since);
  put_instant("host_hold_until", host_hold_until);
  if (entries_unread > 0) j["entries_unread"] = entries_unread;
  return j.empty() ? std::string{} : j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Instant> host_hold(const store::FeedState& state, Instant now) {
  const auto until = PollMemory::decode(state.schedule_memory).host_hold_until;
  if (!until || *until <= now) return std::nullopt;
  return until;
}

PollOutcome interpret(const store::FeedState& before, const fetch::Response& response, Instant now,
                      const PollSettings& settings) {
  PollOutcome out;
  out.state = before;
  out.state.last_poll = now;
  PollMemory memory = PollMemory::decode(before.schedule_memory);
  const long status = response.status;
  bool success = false;
  std::optional<Seconds> retry_after;
  std::optional<Seconds> fresh;

  if (response.outcome != fetch::Outcome::ok) {
    record_error(out, status, response.error.empty() ? "transfer failed" : response.error);
  } else if (status == 304) {
    success = true;
    record_success(out, status);
    // A 304 may carry fresher validators; keep the stored ones otherwise.
    if (!response.etag.empty()) out.state.etag = response.etag;
    if (!response.last_modified.empty()) out.state.last_modified = response.last_modified;
  } else if (status == 410) {
    out.state.last_status = 410;
    out.state.last_error = "410 Gone";
    out.state.disabled_reason = "the server answered 410 Gone: the feed was removed";
    out.failed = true;
  } else if (status >= 200 && status < 300) {
    feed::ParseOptions options;
    options.base_url = response.effective_url;
    options.content_type = response.content_type;
    options.now = now;
    options.max_entries = settings.max_entries;
    auto parsed = feed::parse(response.body, options);
    if (!parsed) {
      record_error(out, status, parsed.error().message);
    } else {
      success = true;
      record_success(out, status);
      out.state.etag = response.etag;
      out.state.last_modified = response.last_modified;
      if (!parsed->title.empty()) out.state.title = parsed->title;
      if (!parsed->link.empty()) out.state.site_link = parsed->link;
      memory.history.hints = parsed->hints;
      if (parsed->entries_unread > 0 && memory.entries_unread == 0) {
        add_notice(out, "entries_unread=" + std::to_string(parsed->entries_unread) +
                            " \"the document has more entries than the " + std::to_string(options.max_entries) +
                            " that are read; the rest are left out\"");
      }
      memory.entries_unread = parsed->entries_unread;
      out.parsed = std::move(*parsed);
    }
  } else if ((status == 429 || status == 503) &&
             (retry_after = schedule::parse_retry_after(response.retry_after, now))) {
    record_error(out, status, "HTTP status " + std::to_string(status) + " (Retry-After " +
                                  std::to_string(retry_after->count()) + "s)");
    out.host_retry_after = std::min(*retry_after, settings.policy.max_retry_after);
  } else {
    record_error(out, status, "HTTP status " + std::to_string(status));
  }
  memory.host_hold_until.reset();
  if (out.host_retry_after) memory.host_hold_until = now + *out.host_retry_after;
  if (success) fresh = schedule::freshness(response.cache_control, response.expires, response.date, now);

  track_redirects(out, memory, response, success, settings);

  if (out.parsed) {
    // The store says which of its entries are new: settle() decides from there.
    const DateCount dates = count_by_date(memory, *out.parsed);
    out.unsettled =
        PollOutcome::Unsettled{std::move(memory), fresh, before.last_success, settings, dates.newer, dates.undated};
  } else {
    conclude(out, std::move(memory), success, 0, retry_after, fresh, now, settings);
  }

  out.summary = "status=" + std::to_string(status) + " bytes=" + std::to_string(response.body.size()) +
                " ms=" + std::to_string(response.elapsed.count());
  if (out.parsed && out.parsed->entries_unread > 0) out.summary += " unread=" + std::to_string(out.parsed->entries_unread);
  return out;
}

void settle(PollOutcome& out, const store::IngestResult& ingested) {
  if (!out.unsettled || !out.state.last_poll) return;
  const PollOutcome::Unsettled& u = *out.unsettled;
  const Instant now = *out.state.last_poll;
  PollMemory memory = u.memory;
  out.unseen_notice.clear();

  // New for the schedule: new by key, and not dated at or before what the feed gave
  // before (as many as both counts allow).
  const std::size_t fresh = ingested.new_entries.size();
  const std::size_t counted = std::min(fresh, u.newer + u.undated);

  // Every entry of the document new by key, from a feed that brought entries before
  // (a one-entry document says nothing either way). Said on the first poll of a run:
  // - a gap, when every entry is also newer by date (or undated): whatever the feed
  //   posted between the last poll and the oldest entry here is missing;
  // - links that change, when none is newer by date: the same entries under new links,
  //   stored and shown again (the moved-link rule needs their guids).
  const std::size_t seen = fresh + ingested.duplicates + ingested.updated;
  const bool all_new =
      seen >= 2 && fresh == seen && ingested.beyond_cap == 0 && memory.history.last_new.has_value();
  out.gap = all_new && counted == seen;
  const bool relinked = all_new && counted == 0;
  if (!all_new) {
    memory.unseen_polls = 0;
  } else if (++memory.unseen_polls == 1) {
    const std::string n = std::to_string(seen);
    if (out.gap) {
      out.unseen_notice = "gap=" + n + " since=" + (u.previous_success ? format_rfc3339(*u.previous_success) : "-") +
                       " \"none of the document's " + n +
                       " entries was seen before: what the feed posted before them since its last successful poll"
                       " is missing (poll it more often)" +
                       (u.undated > 0 ? ", unless its links change from poll to poll" : "") + "\"";
    } else if (relinked) {
      out.unseen_notice = "links_changed=" + n + " \"none of the document's " + n +
                       " entries was found under its link, though none is dated later than before: the feed"
                       " changes its links from poll to poll, and its entries are stored and shown again\"";
    }
  }
  conclude(out, std::move(memory), true, counted, std::nullopt, u.freshness, now, u.settings);
}

}  // namespace feedd::app
