// Any text as a config file, and any text as a duration.
//
// Checked for every input: loading never throws; a config is returned exactly when
// there is no problem; each problem is one line naming the file; a duration feedd writes
// reads back as the same duration; a string toml_quote writes reads back as itself.

#include <algorithm>
#include <string>

#include "config/config.hpp"
#include "fuzz.hpp"

namespace {

using namespace feedd;

void check_duration(std::string_view text) {
  const auto d = config::parse_duration(text);
  if (!d) return;
  FUZZ_CHECK(d->count() >= 0, "negative duration from " + std::string(text));
  const std::string written = config::format_duration(d->count());
  const auto again = config::parse_duration(written);
  FUZZ_CHECK(again && *again == *d, "duration does not read back: " + written);
}

void check_quote(std::string_view text) {
  if (!fuzz::is_clean_text(text)) return;  // the config's strings are text
  const std::string toml = "[output]\ntitle = " + config::toml_quote(text) + "\n";
  const auto r = config::load_string(toml, "quote.toml", {.allow_no_feeds = true});
  FUZZ_CHECK(r.config.has_value(), "a quoted string does not load: " + toml +
                                       (r.problems.empty() ? "" : r.problems.front().to_string()));
  FUZZ_CHECK(r.config->title == text, "a quoted string does not read back: " + toml);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Any config file is an input as it is: its lines are also tried as durations and
  // strings, and the length picks whether a config without feeds is allowed.
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  for (int lines = 0; start <= text.size() && lines < 64; ++lines) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    check_duration(text.substr(start, end - start));
    check_quote(text.substr(start, end - start));
    start = end + 1;
  }

  const config::LoadResult r = config::load_string(text, "fuzz.toml", {.allow_no_feeds = size % 2 == 1});
  FUZZ_CHECK(r.config.has_value() == r.problems.empty(), "a config and problems, or neither");
  for (const auto& p : r.problems) {
    const std::string line = p.to_string();
    FUZZ_CHECK(line.rfind("fuzz.toml", 0) == 0, "a problem that does not name the file: " + line);
    FUZZ_CHECK(fuzz::is_one_line(line.substr(0, line.find('\n'))) && line.find('\n') == std::string::npos,
               "a problem that is not one line: " + line);
  }
  return 0;
}
