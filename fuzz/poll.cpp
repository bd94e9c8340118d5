// What polls mean for a feed's schedule (app::interpret, then app::settle with what the
// store found), under any sequence of answers: documents with entries old, new, undated
// or in the future, found new or known by the store; 304s; errors; 429/503 with any
// Retry-After text; Cache-Control, Expires and Date headers of any text; 410; permanent
// and temporary redirects; time passing, by minutes or by months.
//
// Checked after every poll:
// - a feed that is not disabled has a next poll, with a reason, between the floor and
//   the ceiling (or the Retry-After bound, when a server asked for more);
// - a disabled feed has none, and is disabled only by a 410 or by failing for the
//   configured number of days;
// - the error count is 0 after a success and one more after a failure;
// - settling a poll twice gives the same state (a batch that rolled back settles again);
// - the memory kept between polls reads back as itself.
//
// Input: header texts, each ended by a 0 byte (Retry-After, Cache-Control, Expires,
// Date, a redirect target), then a byte per step: its low 3 bits the answer, the rest
// its details.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "app/poll.hpp"
#include "common/time.hpp"
#include "fuzz.hpp"

namespace {

using namespace feedd;
using namespace std::chrono_literals;

// A document of up to 7 entries about 8 articles, each dated long ago, just now, never,
// or far ahead.
std::string document(fuzz::Bytes& in, Instant now, std::size_t& entries) {
  entries = in.next() % 8;
  std::string body = "<rss version=\"2.0\"><channel><title>F</title><link>https://f.example/</link>";
  if (in.next() & 1) body += "<ttl>" + std::to_string(in.next() * 7) + "</ttl>";
  for (std::size_t i = 0; i < entries; ++i) {
    const std::uint8_t b = in.next();
    body += "<item><title>T" + std::to_string(b & 7) + "</title><link>https://f.example/" + std::to_string(b & 7) +
            "</link>";
    switch ((b >> 3) & 3) {
      case 0: body += "<pubDate>" + format_rfc1123(now - std::chrono::hours(b >> 5)) + "</pubDate>"; break;
      case 1: body += "<pubDate>" + format_rfc1123(now - std::chrono::days(400)) + "</pubDate>"; break;
      case 2: body += "<pubDate>" + format_rfc1123(now + std::chrono::days(30)) + "</pubDate>"; break;
      default: break;
    }
    body += "</item>";
  }
  return body + "</channel></rss>";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  fuzz::Input input(data, size);
  const std::string retry_after(input.part());
  const std::string cache_control(input.part());
  const std::string expires(input.part());
  const std::string date(input.part());
  const std::string target(input.part());
  fuzz::Bytes in(input.rest());

  app::PollSettings settings;
  settings.policy.interval = std::chrono::minutes(1 + in.next() * 3);
  settings.policy.min_interval = 300s;
  settings.policy.max_interval = 86400s;
  settings.policy.max_retry_after = 7 * 86400s;
  settings.policy.adaptive = (in.next() & 1) == 0;
  settings.disable_after_days = in.next() % 4;

  store::FeedState state;
  state.id = 1;
  state.url = "https://f.example/feed";
  Instant now = std::chrono::sys_days{std::chrono::year{2025} / 1 / 1};

  for (int step = 0; step < 48 && !in.empty(); ++step) {
    const std::uint8_t op = in.next();
    if ((op & 7) == 7) {
      now += (op & 8) ? std::chrono::days(op >> 4) * 7 : std::chrono::minutes(op >> 4);
      continue;
    }
    if (!state.disabled_reason.empty()) break;  // never polled again
    settings.seed = in.next();

    fetch::Response r;
    r.outcome = fetch::Outcome::ok;
    r.effective_url = app::poll_url(state);
    const bool headers = (op & 8) != 0;
    if (headers) {
      r.cache_control = cache_control;
      r.expires = expires;
      r.date = date;
    }
    if (op & 16) {
      const long status = (op & 32) ? 301 : 302;
      r.redirects = {{status, target}};
      r.effective_url = target;
    }
    std::size_t entries = 0;
    switch (op & 7) {
      case 0:
      case 1: r.status = 200; r.body = document(in, now, entries); break;
      case 2: r.status = 304; break;
      case 3: r.status = 500; break;
      case 4: r.outcome = fetch::Outcome::transport; r.error = "connection refused"; break;
      case 5: r.status = (op & 64) ? 429 : 503; r.retry_after = retry_after; break;
      default: r.status = (op & 64) ? 410 : 200; r.body = "<html>not a feed</html>"; break;
    }

    const store::FeedState before = state;
    auto out = app::interpret(before, r, now, settings);
    if (out.unsettled) {
      FUZZ_CHECK(out.parsed.has_value(), "unsettled without a document");
      store::IngestResult ingested;
      // The store found some of them new, the rest known.
      const std::size_t read = out.parsed->entries.size();
      FUZZ_CHECK(read == entries, "the document's entries were not all read");
      const std::size_t fresh = in.next() % (read + 1);
      for (std::size_t i = 0; i < fresh; ++i) ingested.new_entries.push_back(static_cast<std::int64_t>(i + 1));
      ingested.duplicates = read - fresh;
      app::settle(out, ingested);
      const store::FeedState once = out.state;
      const std::string notice = out.unseen_notice;
      app::settle(out, ingested);
      FUZZ_CHECK(out.state.schedule_memory == once.schedule_memory && out.state.next_due == once.next_due &&
                     out.state.next_due_reason == once.next_due_reason && out.unseen_notice == notice,
                 "settling twice gave another state");
    } else {
      FUZZ_CHECK(!out.parsed.has_value(), "a document without a settle step");
    }
    state = out.state;

    FUZZ_CHECK(state.last_poll == now, "last_poll is not the poll's time");
    if (out.failed) {
      FUZZ_CHECK(state.consecutive_errors == before.consecutive_errors + 1 || r.status == 410,
                 "a failure did not count as one more error");
    } else {
      FUZZ_CHECK(state.consecutive_errors == 0 && state.last_error.empty(), "a success left an error");
      FUZZ_CHECK(state.last_success == now, "a success did not record its time");
    }
    if (!state.disabled_reason.empty()) {
      FUZZ_CHECK(!state.next_due.has_value() && state.next_due_reason == "disabled", "a disabled feed is due");
      const bool gone = r.status == 410;
      const bool failing = settings.disable_after_days > 0 && out.failed;
      FUZZ_CHECK(gone || failing, "disabled without a 410 or days of failure: " + state.disabled_reason);
    } else {
      FUZZ_CHECK(state.next_due.has_value(), "no next poll for a feed that is not disabled");
      FUZZ_CHECK(!state.next_due_reason.empty(), "a next poll without a reason");
      const auto wait = *state.next_due - now;
      const auto ceiling = std::max(settings.policy.max_interval, settings.policy.max_retry_after);
      FUZZ_CHECK(wait >= settings.policy.min_interval && wait <= ceiling,
                 "next poll in " + std::to_string(wait.count()) + "s (" + state.next_due_reason + ")");
      if (!out.host_retry_after) {
        FUZZ_CHECK(wait <= settings.policy.max_interval,
                   "past the ceiling without Retry-After: " + state.next_due_reason);
      }
    }
    const auto memory = app::PollMemory::decode(state.schedule_memory);
    FUZZ_CHECK(memory.encode() == state.schedule_memory,
               "the memory does not read back as itself: " + state.schedule_memory + " reads as " + memory.encode());
  }
  return 0;
}
