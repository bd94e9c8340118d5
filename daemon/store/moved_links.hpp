#pragma once
// Links that move: a feed that puts a session id or a rotating token in its links brings
// each article under a new link, so a new URL key, at every poll. MovedLinks finds, for an
// entry of one poll whose key is new, the key its article was stored under before: the
// feed's own stored entry, by guid or by title, or the tombstone retention left of it
// (docs/store.md, "Links that move"). When in doubt it finds nothing, and the entry is
// new: a duplicate can be read past, a lost article is gone.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "feed/model.hpp"
#include "store/sqlite.hpp"

namespace feedd::store {

// Whether a guid may move with the link: none, or a URL (RSS's permalink guid). Any other
// guid (urn:, tag:, a number) is the feed's name for one article, and another one names
// another article.
bool may_move(std::string_view guid);

// What a tombstone keeps of its entry to be found when the entry's link moves (with the
// entry's date from the feed and its content hash beside them):
// - its moved key, for the guid rule: a hash of the feed that first carried it, its guid
//   and its title; empty without a guid or a title;
// - its moved title key, for the title rule: a hash of the feed and the title alone; empty
//   without a title, or when the guid may not move (may_move).
std::string moved_key(std::int64_t feed_id, std::string_view guid, std::string_view title);
std::string moved_title_key(std::int64_t feed_id, std::string_view guid, std::string_view title);

// One poll's lookup, built at the first entry that asks: a poll whose links are all known
// pays nothing.
class MovedLinks {
 public:
  struct Queries {
    // "SELECT guid, title, url_key, content_hash, published-or-NULL-when-clamped FROM
    // entries" of the feed's newest ?2 entries (by id), those it carried first and those
    // it carried after another feed, newest first
    sql::Stmt& own_newest;
    // "SELECT url_key, moved_published, moved_content_hash FROM tombstones WHERE
    // moved_key = ?1", and the same of the departures (feeds that no longer keep an
    // entry another feed keeps or kept: docs/store.md), "LIMIT 3"
    sql::Stmt& tombstone_by_moved_key;
    // The same, "WHERE moved_title_key = ?1"
    sql::Stmt& tombstone_by_moved_title_key;
    // Whether any tombstone may have a moved key, or any departure exist; without one (a
    // first round, a store that never pruned) the tombstones are not asked.
    bool tombstones_have_moved_keys = false;
  };

  // `entries` are the poll's document (those it stores), `keys` their URL keys.
  MovedLinks(Queries queries, std::int64_t feed_id, std::span<const feed::Entry* const> entries,
             std::span<const std::string_view> keys);

  // The key the feed's article was stored under before its link moved, if it did: an
  // entry's or a tombstone's. `content_hash` is the entry's, `published` the date it would
  // be stored with when the feed's date is trusted. An entry's key is handed out once.
  std::optional<std::string> old_key(const feed::Entry& e, std::int64_t content_hash,
                                     std::optional<std::int64_t> published);

 private:
  struct Stored {
    std::string guid;
    std::string title;
    std::string key;
    std::int64_t content_hash = 0;
    std::optional<std::int64_t> published;  // the feed's date; none when the store chose it
    bool in_document = false;               // its link is in the document: it did not move
    bool taken = false;                     // its key was handed out
  };
  static constexpr int kAmbiguous = -1;  // an index map's value when two stored entries share the name
  // A tombstone or departure as its moved key finds it: its key, and its entry's content
  // hash and date from the feed.
  struct Buried {
    std::string key;
    std::int64_t content_hash = 0;
    std::optional<std::int64_t> published;
  };

  void load();
  void index_document();
  std::optional<std::string> take(Stored& s);
  // The one entry's key `stmt` finds by the moved key `moved` among the tombstones and
  // departures; none when none has it or two entries do. `found` is set when any has it.
  static std::optional<Buried> one_tombstone(sql::Stmt& stmt, const std::string& moved, bool& found);
  std::optional<std::string> by_guid(const feed::Entry& e, std::int64_t content_hash,
                                     std::optional<std::int64_t> published, bool& decided);
  std::optional<std::string> by_title(const feed::Entry& e, std::int64_t content_hash,
                                      std::optional<std::int64_t> published);
  std::optional<std::string> tombstone_by_title(const feed::Entry& e, std::int64_t content_hash,
                                                std::optional<std::int64_t> published);

  Queries q_;
  std::int64_t feed_id_;
  std::span<const feed::Entry* const> entries_;
  std::span<const std::string_view> keys_;
  bool loaded_ = false;
  bool indexed_ = false;
  std::unordered_set<std::string_view> keys_in_document_;
  std::unordered_map<std::string_view, int> guids_in_document_;   // how often each guid is in it
  std::unordered_map<std::string_view, int> titles_in_document_;  // how often each title is in it
  std::vector<Stored> stored_;                                    // the feed's newest, newest first
  std::unordered_map<std::string_view, int> stored_by_guid_;      // index in stored_, or kAmbiguous
  std::unordered_map<std::string_view, int> stored_by_title_;     // index in stored_, or kAmbiguous
};

}  // namespace feedd::store
