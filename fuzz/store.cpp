// The store under any sequence of polls, prunes and reopens, on a real SQLite file, with
// documents whose entries share links, guids, titles, contents and dates in every
// combination: a few of each, so that entries keep meeting themselves and each other
// (tracking parameters, session ids in links and in guids that are the link, guids used
// twice, re-dated and edited articles, entries over the feed's cap, two feeds carrying
// one article).
//
// Checked for every input:
// - every poll is recorded, and a document's entries add up: new, duplicates, updated and
//   beyond the cap are all of them, and relinked are among the duplicates and updated;
// - ids handed out as new only grow;
// - the digest's queue after a poll is exactly that poll's new entries, in order;
// - the same document polled again at the same time brings nothing new, whatever came in
//   between: other feeds' polls, retention, a reopened store. So no article is shown
//   twice for being seen twice.
//
// Input: a byte per step. 0: poll (the next bytes: feed, entry count, 3 bytes per entry);
// 1: poll a feed's last document again; 2: retention; 3: time passes (next byte, hours);
// 4: reopen the store.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "fuzz.hpp"
#include "store/store.hpp"

namespace {

using namespace feedd;

Instant day(int d) {
  using namespace std::chrono;
  return sys_days{year{2025} / 1 / 1} + days{d};
}

// Three bytes make an entry about one of eight articles.
feed::Entry make_entry(fuzz::Bytes& in, int poll) {
  const std::uint8_t a = in.next();
  const std::uint8_t b = in.next();
  const std::uint8_t c = in.next();
  const int article = a & 7;
  const std::string base = "https://news.example/a" + std::to_string(article);
  feed::Entry e;
  switch ((a >> 3) & 3) {
    case 0: e.link = base; break;
    case 1: e.link = base + ";jsessionid=S" + std::to_string(poll); break;  // moves every poll
    case 2: e.link = base + "?utm_source=feed"; break;                       // the same key as base
    default: break;                                                          // no link
  }
  switch (b & 3) {
    case 0: break;
    case 1: e.id = "g" + std::to_string(article); break;
    case 2: e.id = "g" + std::to_string((b >> 2) & 3); break;  // maybe another article's
    default:  // a permalink guid: the article's URL, or its link, session id and all
      e.id = ((b >> 6) & 1) != 0 && !e.link.empty() ? e.link : base;
      break;
  }
  switch ((b >> 4) & 3) {
    case 0: break;
    case 1: e.title = "T" + std::to_string(article); break;
    case 2: e.title = "Same"; break;
    default: e.title = "T" + std::to_string(article) + ", corrected"; break;
  }
  switch (c & 3) {
    case 0: break;
    case 1: e.published = day(article); break;
    case 2: e.published = day((c >> 2) & 7); break;
    default: e.published = day(400); e.date_in_future = true; break;
  }
  e.summary = "<p>s" + std::to_string((c >> 5) & 3) + "</p>";
  return e;
}

struct Run {
  std::filesystem::path db;
  store::StoreOptions options;
  std::unique_ptr<store::Store> store;

  void open() {
    store.reset();
    auto opened = store::Store::open(db, options);
    FUZZ_CHECK(opened.ok(), opened.ok() ? "" : opened.error().message);
    store = std::move(*opened);
  }
};

std::filesystem::path database() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("feedd-fuzz-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(dir / (std::string("feedd.db") + suffix));
  return dir / "feedd.db";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  static const bool quiet = (log::setup("error"), true);
  (void)quiet;
  fuzz::Bytes in(std::string_view(reinterpret_cast<const char*>(data), size));
  Run run;
  run.db = database();
  run.options.retention_days = 30;
  run.options.max_entries_per_feed = 4;
  run.options.tombstone_days = 100000;  // a tombstone outlives the input: it must not expire
  run.options.integrity_check_interval = std::chrono::hours(24 * 365);
  run.open();

  const std::vector<std::string> urls{"https://a.example/feed", "https://b.example/feed"};
  std::map<std::size_t, std::pair<feed::Feed, Instant>> last;  // per feed: its last document and when
  Instant now = day(10);
  std::int64_t highest_id = 0;
  int polls = 0;

  const auto poll = [&](std::size_t f, const feed::Feed& doc, Instant at) {
    auto state = run.store->ensure_feed(urls[f]);
    FUZZ_CHECK(state.ok(), state.ok() ? "" : state.error().message);
    auto r = run.store->commit_poll(*state, &doc, at);
    FUZZ_CHECK(r.ok(), r.ok() ? "" : r.error().message);
    FUZZ_CHECK(r->new_entries.size() + r->duplicates + r->updated + r->beyond_cap == doc.entries.size(),
               "a document's entries do not add up");
    FUZZ_CHECK(r->relinked <= r->duplicates + r->updated, "relinked beyond duplicates and updated");
    for (std::int64_t id : r->new_entries) {
      FUZZ_CHECK(id > highest_id, "an id handed out as new twice, or out of order: " + std::to_string(id));
      highest_id = id;
    }
    const auto queued = run.store->undigested(1000);
    std::vector<std::int64_t> ids;
    for (const auto& e : queued) ids.push_back(e.id);
    FUZZ_CHECK(ids == r->new_entries, "the digest's queue is not the poll's new entries");
    if (!ids.empty()) FUZZ_CHECK(run.store->mark_digested(ids).ok(), "mark_digested failed");
    return *r;
  };

  for (int step = 0; step < 64 && !in.empty(); ++step) {
    switch (in.next() % 5) {
      case 0: {
        const std::size_t f = in.next() & 1;
        feed::Feed doc;
        doc.format = "rss20";
        doc.title = "F";
        const int n = in.next() % 9;
        ++polls;
        for (int i = 0; i < n; ++i) doc.entries.push_back(make_entry(in, polls));
        poll(f, doc, now);
        last[f] = {std::move(doc), now};
        break;
      }
      case 1: {
        const std::size_t f = in.next() & 1;
        const auto it = last.find(f);
        if (it == last.end()) break;
        const auto again = poll(f, it->second.first, it->second.second);
        FUZZ_CHECK(again.new_entries.empty(),
                   "a document polled again at the same time brought " + std::to_string(again.new_entries.size()) +
                       " new entries");
        break;
      }
      case 2:
        for (int batch = 0; batch < 100; ++batch) {
          auto pruned = run.store->prune(now, 3);
          FUZZ_CHECK(pruned.ok(), pruned.ok() ? "" : pruned.error().message);
          if (!pruned->more) break;
        }
        break;
      case 3:
        now += std::chrono::hours(in.next() * 8);
        break;
      default:
        run.open();
        break;
    }
  }
  run.store.reset();
  return 0;
}
