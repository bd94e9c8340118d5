#pragma once
// What the dialect readers (rss.cpp, atom.cpp) share: the options in force and the
// helpers that turn XML text into model values. Internal to feed/.

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "feed/model.hpp"
#include "feed/parser.hpp"
#include "feed/xml.hpp"

namespace feedd::feed {

// Element names are looked up in a table sorted by (namespace, local name), not by chains
// of string compares.
template <class Tag>
struct TagName {
  Ns ns;
  std::string_view local;
  Tag tag;
};

// Ordered by namespace, then name length, then name: most comparisons in a lookup are
// decided without comparing characters.
template <class Tag>
constexpr bool tag_less(const TagName<Tag>& a, const TagName<Tag>& b) {
  if (a.ns != b.ns) return a.ns < b.ns;
  if (a.local.size() != b.local.size()) return a.local.size() < b.local.size();
  return a.local < b.local;
}

// A tag table, sorted at compile time.
template <class Tag, std::size_t N>
constexpr std::array<TagName<Tag>, N> tag_table(std::array<TagName<Tag>, N> table) {
  std::sort(table.begin(), table.end(), tag_less<Tag>);
  return table;
}

template <class Tag, std::size_t N>
Tag lookup_tag(const std::array<TagName<Tag>, N>& table, Ns ns, std::string_view local) {
  const TagName<Tag> key{ns, local, Tag{}};
  const auto it = std::lower_bound(table.begin(), table.end(), key, tag_less<Tag>);
  if (it != table.end() && it->ns == ns && it->local == local) return it->tag;
  return Tag{};
}

struct Context {
  const ParseOptions& options;
  Instant now;
  Scope scope;
  Ns root_ns = Ns::None;  // the namespace of the root element: the dialect's own
};

// Plain text (a title, a name): cleaned, trimmed.
std::string plain(std::string_view text);
// An element's text as plain text.
std::string plain_text(const Element& el);
// An element's content as HTML: its text, or its child elements written back as markup.
std::string html_content(const Context& ctx, const Element& el);
// HTML with its relative URLs resolved against the base in scope.
std::string with_absolute_urls(const Context& ctx, std::string html);
// A date element; nullopt when unreadable.
std::optional<Instant> date_of(const Element& el);
// A URL from text or an attribute, resolved against the current xml:base / base URL.
std::string url_in_scope(const Context& ctx, std::string_view text);
// "jo@example.org (Jo Bloggs)", "Jo Bloggs <jo@example.org>", a bare address or a name.
Person person_from_text(std::string_view text);
// Sets the entry's future flag from its dates.
void flag_future(const Context& ctx, Entry& entry);
// feedburner:origLink (in RSS items and Atom entries): the article's own URL, where the
// link is FeedBurner's redirect through feedproxy. Empty unless it is an http(s) URL.
std::string original_link(const Context& ctx, const Element& el);
// The entry's link where the article lives, so that it is keyed, shown and deduplicated
// by that: its origLink when it had one (original_link), and a link through Google's
// redirector unwrapped (redirect_target).
void use_article_link(Entry& entry, std::string orig_link);
// Whether the document's next entry is read (ParseOptions::max_entries); counts it unread
// otherwise.
inline bool room_for_entry(const Context& ctx, Feed& feed) {
  if (feed.entries.size() < ctx.options.max_entries) return true;
  ++feed.entries_unread;
  return false;
}

// The dialect readers. root is the document element, already entered in ctx.scope.
void read_rss(Context& ctx, const Element& root, Feed& feed);
void read_atom(Context& ctx, const Element& root, Feed& feed);

}  // namespace feedd::feed
