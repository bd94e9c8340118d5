#include "app/poll.hpp"

#include "feed/parser.hpp"

namespace feedd::app {
namespace {

void record_error(PollOutcome& out, long status, std::string message) {
  out.failed = true;
  out.state.last_status = static_cast<int>(status);
  out.state.last_error = std::move(message);
  ++out.state.consecutive_errors;
}

}  // namespace

PollOutcome interpret(const store::FeedState& before, const fetch::Response& response, Instant now) {
  PollOutcome out;
  out.state = before;
  out.state.last_poll = now;
  const long status = response.status;

  if (response.outcome != fetch::Outcome::ok) {
    record_error(out, status, response.error.empty() ? "transfer failed" : response.error);
  } else if (status == 304) {
    out.state.last_status = 304;
    out.state.last_error.clear();
    out.state.consecutive_errors = 0;
    out.state.last_success = now;
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
    auto parsed = feed::parse(response.body, options);
    if (!parsed) {
      record_error(out, status, parsed.error().message);
    } else {
      out.state.last_status = static_cast<int>(status);
      out.state.last_error.clear();
      out.state.consecutive_errors = 0;
      out.state.last_success = now;
      out.state.etag = response.etag;
      out.state.last_modified = response.last_modified;
      if (!parsed->title.empty()) out.state.title = parsed->title;
      if (!parsed->link.empty()) out.state.site_link = parsed->link;
      out.parsed = std::move(*parsed);
    }
  } else {
    record_error(out, status, "HTTP status " + std::to_string(status));
  }

  out.summary = "status=" + std::to_string(status) + " bytes=" + std::to_string(response.body.size()) +
                " ms=" + std::to_string(response.elapsed.count());
  return out;
}

}  // namespace feedd::app
