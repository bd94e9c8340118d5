#include "store/moved_links.hpp"

#include <utility>

#include "store/hash.hpp"

namespace feedd::store {

std::string moved_key(std::int64_t feed_id, std::string_view guid, std::string_view title) {
  if (guid.empty() || title.empty()) return {};
  return Fnv1a().field(std::to_string(feed_id)).field(guid).field(title).hex();
}

MovedLinks::MovedLinks(Queries queries, std::int64_t feed_id, std::span<const feed::Entry* const> entries,
                       std::span<const std::string_view> keys)
    : q_(queries), feed_id_(feed_id), entries_(entries), keys_(keys) {}

// An entry whose key is new is the feed's own stored entry with the same guid and title
// when
//  - it also has the same content, or the same date from the feed,
//  - no other entry of the document has that guid,
//  - exactly one of the feed's newest own entries has it, and
//  - that stored entry's link is not in the document any more: it moved. (Were it still
//    there, the guid would name two articles, as in a feed that numbers its items.)
// Title and content or date guard against a feed that gives its next article a guid it
// used before. Without such a stored entry, a tombstone with the entry's moved key whose
// own key is not in the document is the article's.
std::optional<std::string> MovedLinks::old_key(const feed::Entry& e, std::int64_t content_hash,
                                               std::optional<std::int64_t> published) {
  if (e.id.empty() || e.title.empty()) return std::nullopt;
  if (!loaded_) load();
  if (stored_.empty() && !q_.tombstones_have_moved_keys) return std::nullopt;
  index_document();
  if (auto n = guids_in_document_.find(e.id); n == guids_in_document_.end() || n->second != 1) {
    return std::nullopt;
  }
  if (auto it = stored_.find(e.id); it != stored_.end()) {
    // The feed's stored entry with this guid decides, match or not.
    const Stored& s = it->second;
    if (s.ambiguous || s.in_document || s.title != e.title || !s.same_article(content_hash, published)) {
      return std::nullopt;
    }
    std::string key = std::move(it->second.key);
    stored_.erase(it);
    return key;
  }
  if (!q_.tombstones_have_moved_keys) return std::nullopt;
  // The same questions of the tombstones (the title is in their moved key).
  const std::string key = moved_key(feed_id_, e.id, e.title);  // bound, so kept until reset
  sql::Stmt::Use q(q_.tombstone_by_moved_key);
  q->bind(1, key);
  if (!q->step()) return std::nullopt;
  Stored s{e.title, q->text(0), q->integer(2), std::nullopt};
  if (!q->is_null(1)) s.published = q->integer(1);
  if (q->step()) return std::nullopt;  // two: ambiguous
  if (keys_in_document_.contains(s.key) || !s.same_article(content_hash, published)) return std::nullopt;
  return s.key;
}

void MovedLinks::load() {
  loaded_ = true;
  // The articles a document lists are among the feed's newest; twice as many, and some,
  // covers a document that is replaced as a whole between two polls.
  const auto limit = static_cast<std::int64_t>(2 * entries_.size() + 32);
  sql::Stmt::Use q(q_.own_newest);
  q->bind(1, feed_id_).bind(2, limit);
  while (q->step()) {
    std::string guid = q->text(0);
    if (guid.empty()) continue;
    std::optional<std::int64_t> published;
    if (!q->is_null(4)) published = q->integer(4);
    auto [it, added] = stored_.try_emplace(std::move(guid), Stored{q->text(1), q->text(2), q->integer(3), published});
    if (!added) it->second.ambiguous = true;
  }
  if (stored_.empty()) return;  // a new feed, or one without guids
  index_document();
  for (auto& [guid, s] : stored_) s.in_document = keys_in_document_.contains(s.key);
}

void MovedLinks::index_document() {
  if (indexed_) return;
  indexed_ = true;
  keys_in_document_.insert(keys_.begin(), keys_.end());
  for (const feed::Entry* e : entries_) {
    if (!e->id.empty()) ++guids_in_document_[e->id];
  }
}

}  // namespace feedd::store
