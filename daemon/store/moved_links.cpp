#include "store/moved_links.hpp"

#include <utility>

#include "common/ascii.hpp"
#include "store/hash.hpp"

namespace feedd::store {

bool may_move(std::string_view guid) {
  return guid.empty() || iequals(guid.substr(0, 7), "http://") || iequals(guid.substr(0, 8), "https://");
}

std::string moved_key(std::int64_t feed_id, std::string_view guid, std::string_view title) {
  if (guid.empty() || title.empty()) return {};
  return Fnv1a().field(std::to_string(feed_id)).field(guid).field(title).hex();
}

std::string moved_title_key(std::int64_t feed_id, std::string_view guid, std::string_view title) {
  if (title.empty() || !may_move(guid)) return {};
  return Fnv1a().field(std::to_string(feed_id)).field("").field(title).hex();
}

MovedLinks::MovedLinks(Queries queries, std::int64_t feed_id, std::span<const feed::Entry* const> entries,
                       std::span<const std::string_view> keys)
    : q_(queries), feed_id_(feed_id), entries_(entries), keys_(keys) {}

// An entry whose key is new is a stored article of the feed (one it carried first, or
// after another feed) whose link moved when its guid or, failing that, its title finds
// one (docs/store.md, "Links that move"):
//  - by guid: the feed's stored entry with the entry's guid decides, match or not. It is
//    the article when the guid is once in the document and once among the feed's newest,
//    the title is the same, so is the content or the date from the feed, and the stored
//    entry's link is not in the document any more: it moved. (Were it still there, the
//    guid would name two articles, as in a feed that numbers its items.) A guid no stored
//    entry has asks the tombstones, and the feed's departures, the same questions.
//  - by title, for an entry whose guid nothing stored has, when both its guid and the
//    stored entry's may move with their links (none, or a URL: RSS's permalink guid):
//    the title is once in the document and once among the feed's newest, and that stored
//    entry's link and guid are not in the document. Then both have the same date from the
//    feed (an edited article keeps its date), or both have none and the same content,
//    which says more than the title. A title that recurs, as a weekly notice's does, is a
//    new article on each date; an undated posting titled "Engineer" and nothing else is a
//    new one each time. A title no stored entry has asks the tombstones and departures,
//    by their moved title key, the same questions.
// Title and content or date guard against a feed that gives its next article a guid or a
// title it used before.
std::optional<std::string> MovedLinks::old_key(const feed::Entry& e, std::int64_t content_hash,
                                               std::optional<std::int64_t> published) {
  if (e.title.empty()) return std::nullopt;
  if (!loaded_) load();
  if (stored_.empty() && !q_.tombstones_have_moved_keys) return std::nullopt;
  index_document();
  bool decided = false;
  if (auto key = by_guid(e, content_hash, published, decided); key || decided) return key;
  return by_title(e, content_hash, published);
}

namespace {

// Whether the entry says more than its title: a board of undated postings titled
// "Engineer" and nothing else lists many different ones.
bool has_text(const feed::Entry& e) { return !e.summary.empty() || !e.content.empty() || !e.enclosures.empty(); }

// The guid's rule for one article: the same content (a re-dated article keeps it), or the
// same date from the feed (an edited one keeps that).
bool same_by_guid(std::int64_t content_hash, std::optional<std::int64_t> published, std::int64_t old_hash,
                  std::optional<std::int64_t> old_published) {
  return content_hash == old_hash || (published && published == old_published);
}

// The date rule of the title: the same date from the feed, or no date on either side and
// the same content, which says more than the title.
bool same_by_title(const feed::Entry& e, std::int64_t content_hash, std::optional<std::int64_t> published,
                   std::int64_t old_hash, std::optional<std::int64_t> old_published) {
  if (published.has_value() != old_published.has_value()) return false;
  return published ? *published == *old_published : content_hash == old_hash && has_text(e);
}

}  // namespace

std::optional<std::string> MovedLinks::take(Stored& s) {
  s.taken = true;
  return std::move(s.key);
}

std::optional<MovedLinks::Buried> MovedLinks::one_tombstone(sql::Stmt& stmt, const std::string& moved, bool& found) {
  sql::Stmt::Use q(stmt);
  q->bind(1, moved);
  if (!q->step()) return std::nullopt;
  found = true;
  Buried b{q->text(0), q->integer(2), std::nullopt};
  if (!q->is_null(1)) b.published = q->integer(1);
  // The entry's tombstone and this feed's departure from it are one answer; two entries
  // are none.
  while (q->step()) {
    if (q->text(0) != b.key) return std::nullopt;
  }
  return b;
}

std::optional<std::string> MovedLinks::by_guid(const feed::Entry& e, std::int64_t content_hash,
                                               std::optional<std::int64_t> published, bool& decided) {
  if (e.id.empty()) return std::nullopt;
  if (auto n = guids_in_document_.find(e.id); n == guids_in_document_.end() || n->second != 1) {
    return std::nullopt;
  }
  if (auto it = stored_by_guid_.find(e.id); it != stored_by_guid_.end()) {
    decided = true;
    if (it->second == kAmbiguous) return std::nullopt;
    Stored& s = stored_[static_cast<std::size_t>(it->second)];
    if (s.taken || s.in_document || s.title != e.title) return std::nullopt;
    if (!same_by_guid(content_hash, published, s.content_hash, s.published)) return std::nullopt;
    return take(s);
  }
  if (!q_.tombstones_have_moved_keys) return std::nullopt;
  // The same questions of the tombstones (the title is in their moved key).
  const std::string moved = moved_key(feed_id_, e.id, e.title);
  const auto b = one_tombstone(q_.tombstone_by_moved_key, moved, decided);
  if (!b || keys_in_document_.contains(b->key)) return std::nullopt;
  if (!same_by_guid(content_hash, published, b->content_hash, b->published)) return std::nullopt;
  return b->key;
}

std::optional<std::string> MovedLinks::by_title(const feed::Entry& e, std::int64_t content_hash,
                                                std::optional<std::int64_t> published) {
  if (auto n = titles_in_document_.find(e.title); n == titles_in_document_.end() || n->second != 1) {
    return std::nullopt;
  }
  if (!may_move(e.id)) return std::nullopt;
  const auto it = stored_by_title_.find(e.title);
  if (it == stored_by_title_.end()) return tombstone_by_title(e, content_hash, published);
  if (it->second == kAmbiguous) return std::nullopt;
  Stored& s = stored_[static_cast<std::size_t>(it->second)];
  if (s.taken || s.in_document || !may_move(s.guid)) return std::nullopt;
  if (!s.guid.empty() && guids_in_document_.contains(s.guid)) return std::nullopt;
  if (!same_by_title(e, content_hash, published, s.content_hash, s.published)) return std::nullopt;
  return take(s);
}

// The same questions of the tombstones, by their moved title key.
std::optional<std::string> MovedLinks::tombstone_by_title(const feed::Entry& e, std::int64_t content_hash,
                                                          std::optional<std::int64_t> published) {
  if (!q_.tombstones_have_moved_keys) return std::nullopt;
  const std::string moved = moved_title_key(feed_id_, e.id, e.title);
  bool found = false;
  const auto b = one_tombstone(q_.tombstone_by_moved_title_key, moved, found);
  if (!b || keys_in_document_.contains(b->key)) return std::nullopt;
  if (!same_by_title(e, content_hash, published, b->content_hash, b->published)) return std::nullopt;
  return b->key;
}

void MovedLinks::load() {
  loaded_ = true;
  // The articles a document lists are among the feed's newest; twice as many, and some,
  // covers a document that is replaced as a whole between two polls.
  const auto limit = static_cast<std::int64_t>(2 * entries_.size() + 32);
  sql::Stmt::Use q(q_.own_newest);
  q->bind(1, feed_id_).bind(2, limit);
  while (q->step()) {
    Stored s{q->text(0), q->text(1), q->text(2), q->integer(3), std::nullopt};
    if (!q->is_null(4)) s.published = q->integer(4);
    if (s.guid.empty() && s.title.empty()) continue;
    stored_.push_back(std::move(s));
  }
  if (stored_.empty()) return;  // a new feed, or one without guids or titles
  // Indexed once stored_ is complete: the maps view its strings.
  const auto index = [](std::unordered_map<std::string_view, int>& by, std::string_view name, int i) {
    if (name.empty()) return;
    auto [it, added] = by.try_emplace(name, i);
    if (!added) it->second = kAmbiguous;
  };
  index_document();
  for (std::size_t i = 0; i < stored_.size(); ++i) {
    Stored& s = stored_[i];
    index(stored_by_guid_, s.guid, static_cast<int>(i));
    index(stored_by_title_, s.title, static_cast<int>(i));
    s.in_document = keys_in_document_.contains(s.key);
  }
}

void MovedLinks::index_document() {
  if (indexed_) return;
  indexed_ = true;
  keys_in_document_.insert(keys_.begin(), keys_.end());
  for (const feed::Entry* e : entries_) {
    if (!e->id.empty()) ++guids_in_document_[e->id];
    if (!e->title.empty()) ++titles_in_document_[e->title];
  }
}

}  // namespace feedd::store
