#pragma once
// A pass over a raw document the XML parser refused, so that it can read what feeds
// really contain. Only run when the parser has failed: a well-formed feed never pays.

#include <string>
#include <string_view>

namespace feedd::feed {

// A tag balancer for documents the XML parser refused: closes elements left open by a
// truncated document (dropping an <item> or <entry> cut off in the middle), closes
// elements whose end tag is missing when an ancestor's end tag comes, drops end tags
// that close nothing, quotes attribute values, escapes a '<' that starts no tag, drops
// the DOCTYPE and whatever follows the root element.
std::string repair_markup(std::string_view in);

}  // namespace feedd::feed
