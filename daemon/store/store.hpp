#pragma once
// The SQLite store: feeds and their polling state, entries deduplicated by URL key,
// which feeds carried which entry, and what the digest has written.
// One thread at a time uses a Store: the daemon's store thread, or the loop while that one
// is idle.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "feed/model.hpp"

namespace feedd::store {

// A feed's row: everything fetch and schedule need to carry from one poll to the next.
struct FeedState {
  std::int64_t id = 0;
  std::string url;            // the feed's identity: the URL the config names
  std::string title;
  std::string site_link;
  std::string etag;           // validators exactly as the server sent them
  std::string last_modified;
  int last_status = 0;    // HTTP status of the last poll; 0 = none / transport error
  std::string last_error;     // empty when the last poll succeeded
  int consecutive_errors = 0;
  std::optional<Instant> last_poll;
  std::optional<Instant> last_success;
  std::optional<Instant> next_due;
  std::string next_due_reason;  // "interval", "ttl", "retry-after", "backoff", ...
  std::string disabled_reason;  // non-empty: the feed is not polled
  // Where the feed is polled since a confirmed permanent redirect moved it; empty: `url`.
  std::string poll_url;
  // What the scheduler remembers between polls (app/poll.cpp reads and writes it).
  std::string schedule_memory;
};

// An entry as outputs render it.
struct StoredEntry {
  std::int64_t id = 0;
  std::string url_key;
  std::string url;
  std::string guid;
  std::string title;
  std::string summary;
  std::string content;
  std::optional<Instant> published;
  std::optional<Instant> updated;
  Instant first_seen{};
  bool date_clamped = false;  // published was missing or in the future: first_seen stands in
  std::vector<feed::Person> authors;
  std::vector<std::string> categories;
  std::vector<feed::Enclosure> enclosures;
  // The feed that first carried the entry.
  std::string feed_url;
  std::string feed_title;
  std::string feed_link;
  // Whether the merged feeds show the entry under its own guid (true) or under an id of
  // feedd's (false), as Store::assign_ids fixed it; nullopt until that happened.
  std::optional<bool> guid_is_id;
};

struct IngestResult {
  std::vector<std::int64_t> new_entries;  // ids, in feed order
  std::size_t duplicates = 0;             // known entries, unchanged (or remembered by a tombstone)
  std::size_t updated = 0;                // known entries whose content changed
  // The document's oldest entries past StoreOptions::max_entries_per_feed: not looked at
  // (retention would remove them, after the digest had shown them).
  std::size_t beyond_cap = 0;
  // Of the duplicates and updated: entries found under the link they had before, when the
  // feed changed it but kept their guid and title (a session id in the link, say).
  std::size_t relinked = 0;
};

// Completes a poll's state from what its document brought (the caller's schedule counts
// the entries the store found new). Called inside the poll's transaction, after its
// entries and before its feed row; it may be called again for the same poll (a batch
// that rolled back is recorded poll by poll), so it must derive the state afresh.
using Settle = std::function<void(FeedState& state, const IngestResult& ingested)>;

// One poll to record: the feed's new state, its parsed document (null when nothing was
// parsed: an error, a 304), when it ended, and what completes its state once the
// document's entries are stored (none: the state is complete).
struct PollRecord {
  FeedState state;
  const feed::Feed* parsed = nullptr;
  Instant now{};
  Settle settle{};
};

struct IntegrityCheck {
  bool sound = false;
  std::string verdict;  // "ok", or the first problem found, on one line
};

struct StoreOptions {
  // Removed from URLs besides utm_* etc. Exact names, any case; a trailing '*' makes a
  // prefix ("ref_*").
  std::vector<std::string> extra_tracking_params;
  // Run PRAGMA quick_check at open (it reads the whole file; a corrupt one is refused) ...
  bool check_integrity_on_open = true;
  // ... when the last check that passed is at least this old, or is dated after now (0:
  // at every open). The daemon checks at every start (and then every
  // store.integrity_check_interval), a one-shot round when the last check is that old.
  std::chrono::seconds integrity_check_interval{0};
  // Retention (applied by prune()): entries are kept this many days after first seen
  // (0: no age limit) ...
  int retention_days = 90;
  // ... and each feed keeps at most this many, newest by published (0: no cap). An entry
  // goes when no feed keeps it.
  int max_entries_per_feed = 1000;
  // A pruned entry leaves a tombstone (its URL key) so it is not new again if a feed
  // still carries it; the tombstone goes this many days after a feed last carried it.
  int tombstone_days = 365;
  // The WAL file, once a checkpoint has copied it all, is cut back to this size by the
  // next commit (SQLite's journal_size_limit). A one-shot round of large feeds grows it to
  // its autocheckpoint's 160 MB and more; without a limit the file keeps that size on disk.
  std::int64_t wal_size_limit = std::int64_t{64} << 20;
  // A commit that leaves the WAL with at least this many pages copies it into the
  // database file (SQLite's wal_autocheckpoint; 1,000 pages is 16 MiB here, SQLite's own
  // default). A running daemon commits every few seconds, a little each time: with a
  // larger threshold its WAL would grow to that many pages, far beyond the database it
  // belongs to, and every start after a crash would read it all back. A one-shot round
  // raises it, so that it never stops to checkpoint (the next round's open does that).
  int wal_autocheckpoint_pages = 1000;
};

struct PruneResult {
  std::size_t entries = 0;     // entries removed (each left a tombstone)
  std::size_t tombstones = 0;  // tombstones expired
  std::size_t departures = 0;  // departures expired (docs/store.md, "Links that move")
  bool more = false;           // a batch limit was reached: call again soon
};

// Per-feed figures for `feedd feeds`.
struct FeedStats {
  std::int64_t feed_id = 0;
  std::size_t entries = 0;                 // entries this feed carried that are stored
  std::optional<Instant> newest_published;
};

// A digest batch begun and not yet recorded as written (see begin_digest).
struct DigestBatch {
  std::string file;
  std::uint64_t offset = 0;
  std::vector<std::int64_t> ids;  // in the order they were to be written
  Instant started{};
};

// The key an entry of this feed is stored under: its link's URL key; else its id's when
// the id is a URL; else "id:" + a hash of feed and id; else "text:" + a hash of feed, title
// and content (summary when there is no content). See hash.hpp for the hash.
std::string entry_key(std::int64_t feed_id, const feed::Entry& entry,
                      const std::vector<std::string>& extra_tracking_params = {});

class Store {
 public:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens (creating or migrating) the database. A file that cannot be read, is corrupt,
  // belongs to another program or to a newer feedd is refused with one error naming the
  // path and SQLite's message, and is left exactly as it was.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path,
                                             StoreOptions options = {});

  // The feed with this URL, created (with default state) if absent.
  Result<FeedState> ensure_feed(const std::string& url);
  // The same for many feeds, in one transaction: one result per URL, in order.
  std::vector<Result<FeedState>> ensure_feeds(const std::vector<std::string>& urls);
  std::vector<FeedState> feeds();
  std::optional<FeedState> feed_by_url(const std::string& url);

  // One poll, in one transaction: (when a body was parsed) its entries, deduplicated by
  // URL key, then the feed's new state, completed by `settle` if given. Returns what was
  // new.
  Result<IngestResult> commit_poll(const FeedState& state, const feed::Feed* parsed, Instant now,
                                   const Settle& settle = {});

  // Several polls in one transaction (polls that ended together): one result per poll,
  // in order, each as commit_poll would have given it. A transaction costs more than
  // most polls' rows, so this is how a busy loop keeps up. When a poll cannot be
  // recorded the batch is rolled back and each poll is committed alone, so one bad poll
  // never takes the others with it.
  std::vector<Result<IngestResult>> commit_polls(std::span<const PollRecord> polls);

  // The newest entries, newest first by published (an entry without a date, or with one
  // in the future, has its first-seen time there). When feed_urls is non-empty, only
  // entries carried by one of those feeds.
  std::vector<StoredEntry> newest(std::size_t limit,
                                          const std::vector<std::string>& feed_urls = {});
  std::vector<StoredEntry> entries_by_id(const std::vector<std::int64_t>& ids);

  // Fixes, for good, the id under which the merged feeds show each of these entries that
  // has a guid and no id yet, and sets guid_is_id on all of them. An entry takes its own
  // guid when no entry took it before, anywhere in the store (on a tie, the lower id
  // first); otherwise it shows an id of feedd's. So an id once shown never changes, not
  // even when the entry that took the guid first leaves the document or is pruned (the
  // guid is then free for a new entry). One transaction; on failure nothing is fixed.
  Status assign_ids(std::vector<StoredEntry>& entries);

  // The digest's record: entries not yet written to the digest, oldest first, and
  // marking them written. Together these make the digest exactly-once across crashes.
  // Protocol (docs/store.md, "The digest, exactly once"):
  //   at start:  if pending_digest() returns a batch, truncate batch.file to batch.offset
  //              (when longer), write entries_by_id(batch.ids), fsync, mark_digested.
  //   each time: batch = undigested(n); per digest file the batch goes to (one per day):
  //              offset = the file's size; begin_digest(ids, file, offset); append the
  //              lines; fsync; mark_digested(ids).
  // undigested() leaves out the entries of a pending batch; begin_digest refuses a second
  // batch while one is pending. It reads what a digest line shows (id, link, title,
  // dates; the guid only when there is no link; the feed's title, and its URL only when
  // it has no title): the URL key, summary, content, authors, categories, enclosures and
  // the feed's link stay empty.
  std::vector<StoredEntry> undigested(std::size_t limit);
  Status begin_digest(const std::vector<std::int64_t>& ids, const std::string& file,
                      std::uint64_t offset, Instant when);
  std::optional<DigestBatch> pending_digest();
  // Records the entries as written and ends the pending batch, in one transaction. The
  // record is a cursor: every entry up to the highest of `ids` counts as written, so ids
  // must be what undigested() (or the pending batch) handed out, from its start.
  Status mark_digested(const std::vector<std::int64_t>& ids);

  // PRAGMA quick_check over a read-only connection of its own, so that it reads the file
  // and the WAL as they are on disk, not pages cached by the store's connection. A pass
  // is recorded (`now`), as an open's check is. An error means the check could not run
  // (the file could not be opened, or stayed locked). It reads the whole database: a
  // running daemon calls it now and then (store.integrity_check_interval) on the
  // store's thread.
  Result<IntegrityCheck> check_integrity(Instant now);

  // Copies what the WAL holds into the database file: a passive checkpoint, which never
  // waits for other connections. The store leaves its WAL at close, and the next open
  // reads all of it back to rebuild SQLite's index of it; the daemon calls this on the
  // store's thread as it starts, while the first transfers run, so that the WAL holds
  // about one run's writes instead of growing to the autocheckpoint's 10,000 pages.
  // Returns how many of the WAL's frames are in the database file now.
  Result<int> checkpoint();

  // Retention, in small batches so the loop never stalls: removes at most `batch`
  // entries past their age, caps up to a few hundred feeds (taken in turn across calls)
  // at max_entries_per_feed, and expires old tombstones. Call it every few minutes, and
  // again soon while `more` is set.
  Result<PruneResult> prune(Instant now, std::size_t batch = 500);
  // Whether this URL (or entry key) is remembered by a tombstone.
  bool has_tombstone(const std::string& url_or_key);

  std::vector<FeedStats> feed_stats();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd::store
