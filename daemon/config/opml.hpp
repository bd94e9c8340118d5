#pragma once
// Feed lists in OPML, the format every feed reader imports and exports.
//
// Reading: every <outline> with an xmlUrl is a feed; its title is the `title` attribute,
// else `text`. The outlines it is nested in (folders, as Miniflux and most readers write
// categories) become its tags, and so do the entries of a `category` attribute
// ("news,tech" or "/news/world": each part is a tag; a folder's name is split the same
// way, so no tag holds ',' or '/'). Text is cleaned as a feed's is (feed/text.hpp).
// Writing: OPML 2.0, one flat outline per feed (type="rss", text, title, xmlUrl), its tags
// in the `category` attribute, comma-separated. Flat, because a feed with two tags would
// otherwise appear twice. Reading what was written gives back the same feeds.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"

namespace feedd::config {

struct OpmlFeed {
  std::string url;
  std::string title;  // empty when the outline gives none (or only the URL again)
  std::vector<std::string> tags;
};

// An error when the document is not XML or its root is not <opml>.
Result<std::vector<OpmlFeed>> parse_opml(std::string_view text);

std::string write_opml(const std::vector<FeedConfig>& feeds, std::string_view title);

// The [[feed]] table for one feed, as TOML text ending in a newline.
std::string feed_table(const OpmlFeed& feed);

}  // namespace feedd::config
