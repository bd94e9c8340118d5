#pragma once
// What the store keeps in memory about the entries it writes, so that two questions
// asked after every round need no read of the database:
// - the digest's: which entries it has still to write (on a cold round, reading back
//   every entry just written was a sixth of the work);
// - the merged feed's: which are the newest by (published, id). A first round needs this
//   most: its entries share one first-seen second, so no window of ids proves itself
//   short of the whole store (docs/store.md, "Schema").
// The store feeds it from its write transactions and hands it what the database says
// (the digest's cursor, the newest id stored) before it trusts an answer. This process is
// the database's only writer (the store's lock), so the newest id stored differing from
// the one kept here means memory missed something: it then says so (nullopt), and the
// database answers. No database and no I/O here.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace feedd::store {

class RecentEntries {
 public:
  // A new entry, as a digest line shows it.
  struct Entry {
    std::int64_t id = 0;
    std::int64_t feed_id = 0;
    std::string url;
    std::string guid;  // only when there is no url
    std::string title;
    std::int64_t published = 0;
    std::optional<Instant> updated;
    std::int64_t first_seen = 0;
    bool clamped = false;
  };

  // The newest kept, at most.
  static constexpr std::size_t kRankCapacity = 1024;
  // Unwritten entries kept, at most: a digest that cannot be written (a full disk) leaves
  // entries unwritten, and past this many the database holds them instead of memory.
  static constexpr std::size_t kUnwrittenMax = 100000;

  // The database holds no entries: the newest are those stored from now on.
  void rank_from_empty();

  // A write transaction begins; its first new entry will take `next_id`. What a
  // rolled-back transaction staged is forgotten. After the unwritten list was dropped, it
  // starts again at `next_id`.
  void begin(std::int64_t next_id);
  // A new entry of the transaction, in id order.
  void stage(Entry entry);
  // An entry of the transaction's updated in place: its new title and update time.
  void stage_update(std::int64_t id, std::string title, std::optional<Instant> updated);
  // The transaction committed: its entries and updates join what is kept.
  void committed();

  // An entry now carried first by another feed (its digest line names that feed).
  void moved(std::int64_t id);
  // An entry removed.
  void removed(std::int64_t id);

  // For the digest: the entries after `through` (the digest's cursor), oldest first, at
  // most `limit`. They are handed out once: the list then starts after them, so if the
  // digest does not record them, `through` stays below its start and the database answers
  // from then on. nullopt when memory cannot answer: entries before its start are
  // unwritten, or `newest_id` (the newest id stored) is not its newest (it then drops the
  // list until the next begin()).
  std::optional<std::vector<Entry>> take_unwritten(std::int64_t through, std::int64_t newest_id,
                                                   std::size_t limit);

  struct Ranked {
    std::int64_t published = 0;
    std::int64_t id = 0;
    bool operator>(const Ranked& o) const { return published != o.published ? published > o.published : id > o.id; }
  };

  // The database worked out the `limit` newest entries of the whole store (`newest`; fewer
  // means the whole store) while `newest_id` was the newest id stored: they are kept and
  // ranked on from there, so later questions for at most `limit` need no read. A store
  // opened on entries asks the database once, then no more.
  void seed_newest(const std::vector<Ranked>& newest, std::size_t limit, std::int64_t newest_id);

  // For the merged feed: the ids of the `limit` newest entries, newest first, when they are
  // kept and `newest_id` is the last one ranked; otherwise nullopt (and, when `newest_id`
  // disagrees, ranking stops until the next seed).
  std::optional<std::vector<std::int64_t>> newest_ids(std::size_t limit, std::int64_t newest_id);

 private:
  struct Update {
    std::int64_t id = 0;
    std::string title;
    std::optional<Instant> updated;
  };

  void drop_unwritten();
  void drop_ranked();
  void rank(const Ranked& r);

  // Every entry from unwritten_from on that committed transactions stored, in id order.
  std::vector<Entry> unwritten_;
  std::int64_t unwritten_from_ = 0;
  bool unwritten_valid_ = false;
  // The current transaction's.
  std::vector<Entry> staged_;
  std::vector<Update> staged_updates_;
  // The rank_capacity_ highest (published, id): a min-heap under std::greater, so
  // ranked_.front() is the lowest kept. A seed of n keeps n: the n+1-th is not known.
  std::vector<Ranked> ranked_;
  std::size_t rank_capacity_ = kRankCapacity;
  bool ranked_valid_ = false;
  std::int64_t last_ranked_id_ = 0;
};

}  // namespace feedd::store
