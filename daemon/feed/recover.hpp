#pragma once
// Passes over the raw document that let a strict XML parser read what feeds really
// contain. Each returns false (and leaves its output untouched) when there was nothing
// to do, so a well-formed feed costs one scan.

#include <string>
#include <string_view>

namespace feedd::feed {

// HTML named references that XML does not define (&nbsp;, &mdash;, &eacute; ...) become
// the characters they name; XML's five, numeric references and unknown names are left
// as written (an unknown name then reads as text). CDATA sections and comments are
// left alone. A DOCTYPE's own entity declarations are never used.
bool rewrite_html_entities(std::string_view in, std::string& out);

// A tag balancer for documents the XML parser refused: closes elements left open by a
// truncated document (dropping an <item> or <entry> cut off in the middle), closes
// elements whose end tag is missing when an ancestor's end tag comes, drops end tags
// that close nothing, quotes attribute values, escapes a '<' that starts no tag, drops
// the DOCTYPE and whatever follows the root element.
std::string repair_markup(std::string_view in);

}  // namespace feedd::feed
