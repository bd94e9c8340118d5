#include "output/metrics.hpp"

namespace feedd::output {
namespace {

// A label value: backslash, double quote and newline escaped as the format requires.
std::string label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += help;
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
  }
  void sample(const char* name, std::uint64_t value, const std::string& labels = {}) {
    text_ += name;
    text_ += labels;
    text_ += ' ';
    text_ += std::to_string(value);
    text_ += '\n';
  }
  void metric(const char* name, const char* type, const char* help, std::uint64_t value) {
    family(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::uint64_t unix_seconds(Instant t) {
  const auto s = t.time_since_epoch().count();
  return s > 0 ? static_cast<std::uint64_t>(s) : 0;
}

}  // namespace

std::string render_prometheus(const Metrics& m) {
  Writer w;
  w.metric("feedd_feeds", "gauge", "Feeds in the configuration.", m.feeds_total);
  w.metric("feedd_feeds_failing", "gauge", "Feeds whose last poll failed.", m.feeds_failing);
  w.metric("feedd_feeds_disabled", "gauge", "Feeds no longer polled (e.g. after 410 Gone).",
           m.feeds_disabled);

  w.family("feedd_polls_total", "counter",
           "Polls by outcome: the HTTP status, or the kind of transfer error.");
  for (const auto& [outcome, count] : m.polls) {
    w.sample("feedd_polls_total", count, "{outcome=\"" + label_value(outcome) + "\"}");
  }
  w.metric("feedd_fetched_bytes_total", "counter", "Body bytes received from feeds.", m.bytes_fetched);
  w.metric("feedd_entries_new_total", "counter", "Entries stored for the first time.", m.entries_new);
  w.metric("feedd_entries_duplicate_total", "counter",
           "Entries already stored, unchanged (the same article again, or in another feed).",
           m.entries_duplicate);
  w.metric("feedd_entries_updated_total", "counter", "Stored entries whose content changed.",
           m.entries_updated);
  w.metric("feedd_parse_failures_total", "counter", "Successful responses whose body is not a feed.",
           m.parse_failures);
  w.metric("feedd_store_failures_total", "counter", "Polls the database could not record.",
           m.store_failures);
  w.metric("feedd_gaps_total", "counter",
           "Polls whose document held no entry seen before: entries posted in between may be missing.", m.gaps);
  w.metric("feedd_poll_batches_total", "counter",
           "Batches of polls finished (a batch ends when no poll is in flight).", m.batches);
  if (m.last_batch) {
    w.metric("feedd_last_batch_timestamp_seconds", "gauge", "When the last batch of polls ended.",
             unix_seconds(*m.last_batch));
  }
  if (m.last_successful_batch) {
    w.metric("feedd_last_successful_batch_timestamp_seconds", "gauge",
             "When the last batch of polls in which no poll failed ended.",
             unix_seconds(*m.last_successful_batch));
  }
  return w.take();
}

}  // namespace feedd::output
