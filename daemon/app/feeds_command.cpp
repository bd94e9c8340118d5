// `feedd feeds`: every feed of the config with what the store knows of it, as a table or
// as JSON. Reads the database read-only; safe while the daemon runs.

#include <algorithm>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/poll.hpp"
#include "config/config.hpp"
#include "store/inspect.hpp"

namespace feedd::app {
namespace {

struct Row {
  std::string url;
  std::string title;
  bool in_config = true;
  std::optional<store::FeedReport> report;  // absent: never polled (not in the database)
};

bool polled(const Row& row) { return row.report && row.report->state.last_poll.has_value(); }

std::string when(const std::optional<Instant>& t) { return t ? format_rfc3339(*t) : "-"; }

std::string status_text(const Row& row) {
  if (!polled(row)) return "-";
  const auto& s = row.report->state;
  if (s.last_error.empty()) return std::to_string(s.last_status);
  return s.last_status > 0 ? std::to_string(s.last_status) : "error";
}

// Successful polls in a row, up to the last, whose documents held no entry seen before.
int unseen_polls(const Row& row) {
  return row.report ? PollMemory::decode(row.report->state.schedule_memory).unseen_polls : 0;
}

std::string note(const Row& row) {
  if (!row.in_config) return "not in the config (still in the database)";
  if (!polled(row)) return "never polled";
  const auto& s = row.report->state;
  std::vector<std::string> notes;
  if (!s.disabled_reason.empty()) {
    notes.push_back("disabled: " + s.disabled_reason);
  } else if (!s.last_error.empty()) {
    notes.push_back("error: " + s.last_error);
  }
  if (const int n = unseen_polls(row); n > 0) {
    const std::string polls = n == 1 ? "poll" : std::to_string(n) + " polls";
    notes.push_back("no entry seen before in the last " + polls + " (a gap, or links that change: see the log)");
  }
  // The config's URL stays the feed's name; a permanent redirect changes where it is polled.
  if (!s.poll_url.empty()) notes.push_back("polled at " + s.poll_url + " (moved permanently)");
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

std::string next_due(const Row& row) {
  if (!row.report || !row.report->state.next_due) return "-";
  const auto& s = row.report->state;
  return format_rfc3339(*s.next_due) + (s.next_due_reason.empty() ? "" : " (" + s.next_due_reason + ")");
}

// Width on a terminal: UTF-8 code points, not bytes.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// One line per feed: control characters (a title's newline) become spaces.
std::string flat(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return s;
}

void print_table(const std::vector<Row>& rows) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"URL", "TITLE", "LAST POLL", "STATUS", "ERRORS", "NEXT DUE", "ENTRIES", "NOTE"});
  for (const auto& row : rows) {
    const auto* r = row.report ? &*row.report : nullptr;
    cells.push_back({row.url, row.title.empty() ? "-" : row.title,
                     r ? when(r->state.last_poll) : "-", status_text(row),
                     r ? std::to_string(r->state.consecutive_errors) : "0", next_due(row),
                     r ? std::to_string(r->entries) : "0", note(row)});
  }
  std::vector<std::size_t> widths(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], width(line[i]));
  }
  for (const auto& line : cells) {
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
      out += flat(line[i]);
      if (i + 1 < line.size()) out += std::string(widths[i] - width(line[i]) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::cout << out << "\n";
  }
}

void print_json(const std::filesystem::path& database, const std::vector<Row>& rows) {
  auto feeds = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json f;
    f["url"] = row.url;
    if (!row.title.empty()) f["title"] = row.title;
    f["in_config"] = row.in_config;
    f["polled"] = polled(row);
    f["consecutive_errors"] = 0;
    f["entries"] = 0;
    if (row.report) {
      const auto& s = row.report->state;
      if (s.last_poll) f["last_poll"] = format_rfc3339(*s.last_poll);
      if (s.last_success) f["last_success"] = format_rfc3339(*s.last_success);
      if (s.last_poll) f["last_status"] = s.last_status;
      if (!s.last_error.empty()) f["last_error"] = s.last_error;
      f["consecutive_errors"] = s.consecutive_errors;
      if (s.next_due) f["next_due"] = format_rfc3339(*s.next_due);
      if (!s.next_due_reason.empty()) f["next_due_reason"] = s.next_due_reason;
      if (!s.disabled_reason.empty()) f["disabled_reason"] = s.disabled_reason;
      if (!s.poll_url.empty()) f["poll_url"] = s.poll_url;
      if (const int n = unseen_polls(row); n > 0) f["unseen_polls"] = n;
      f["entries"] = row.report->entries;
    }
    feeds.push_back(std::move(f));
  }
  nlohmann::json doc;
  doc["database"] = database.string();
  doc["feeds"] = std::move(feeds);
  std::cout << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace

int feeds_command(const std::string& config_path, bool json) {
  const auto loaded = config::load(config_path, {.allow_no_feeds = true});
  if (!loaded.config) {
    for (const auto& problem : loaded.problems) std::cerr << problem.to_string() << "\n";
    return 1;
  }
  const config::Config& config = *loaded.config;

  std::vector<store::FeedReport> reports;
  std::error_code ec;
  if (std::filesystem::exists(config.database, ec)) {
    auto inspected = store::inspect(config.database);
    if (!inspected) {
      std::cerr << "feedd: " << inspected.error().message << "\n";
      return 1;
    }
    reports = std::move(*inspected);
  }

  std::vector<Row> rows;
  for (const auto& feed : config.feeds) {
    Row row{feed.url, feed.title, true, std::nullopt};
    const auto found = std::find_if(reports.begin(), reports.end(),
                                    [&](const store::FeedReport& r) { return r.state.url == feed.url; });
    if (found != reports.end()) {
      if (row.title.empty()) row.title = found->state.title;
      row.report = std::move(*found);
      reports.erase(found);
    }
    rows.push_back(std::move(row));
  }
  for (auto& r : reports) {
    Row row{r.state.url, r.state.title, false, std::move(r)};
    rows.push_back(std::move(row));
  }

  if (json) {
    print_json(config.database, rows);
  } else {
    print_table(rows);
  }
  return 0;
}

}  // namespace feedd::app
