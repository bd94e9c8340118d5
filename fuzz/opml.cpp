// Any bytes as an OPML file to import, and what feedd writes back from it.
//
// Checked for every input: an error is one line; every feed's URL, title and tags are
// clean text; and, as config/opml.hpp promises, reading what write_opml wrote gives back
// the same feeds.

#include <string>
#include <vector>

#include "config/opml.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace feedd;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = config::parse_opml(text);
  if (!parsed) {
    FUZZ_CHECK(fuzz::is_one_line(parsed.error().message), "error is not one line: " + parsed.error().message);
    return 0;
  }
  std::vector<config::FeedConfig> feeds;
  for (const auto& f : *parsed) {
    FUZZ_CHECK(fuzz::is_clean_text(f.url), "URL is not clean text: " + f.url);
    FUZZ_CHECK(fuzz::is_clean_text(f.title), "title is not clean text: " + f.title);
    for (const auto& t : f.tags) FUZZ_CHECK(fuzz::is_clean_text(t), "tag is not clean text: " + t);
    config::FeedConfig c;
    c.url = f.url;
    c.title = f.title;
    c.tags = f.tags;
    feeds.push_back(std::move(c));
  }
  const std::string written = config::write_opml(feeds, "fuzz");
  const auto again = config::parse_opml(written);
  FUZZ_CHECK(again.ok(), "what write_opml wrote does not read: " + written);
  FUZZ_CHECK(again->size() == parsed->size(), "feeds lost in writing: " + written);
  for (std::size_t i = 0; i < parsed->size(); ++i) {
    const auto& a = (*parsed)[i];
    const auto& b = (*again)[i];
    FUZZ_CHECK(a.url == b.url && a.title == b.title && a.tags == b.tags,
               "a feed does not read back as written: " + a.url);
  }
  return 0;
}
