#include "app/daemon.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <mutex>
#include <filesystem>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "app/notifier.hpp"
#include "app/poll.hpp"
#include "common/log.hpp"
#include "common/serial_worker.hpp"
#include "common/uv_handle.hpp"
#include "feedd/version.hpp"
#include "fetch/client.hpp"
#include "output/day_timer.hpp"
#include "output/local_time.hpp"
#include "output/publisher.hpp"
#include "schedule/hosts.hpp"
#include "schedule/schedule.hpp"
#include "store/store.hpp"

namespace feedd::app {
namespace {

// The merged feed is rewritten at most this often while polls keep landing.
constexpr std::uint64_t kWriteDebounceMs = 1000;
// New entries of polls landing together go to the digest in one append (one fdatasync
// and two small transactions instead of that many per poll). A one-shot round appends
// more often, so that little of the digest is left for its end, when only the store's
// thread has work.
constexpr std::uint64_t kDigestDebounceMs = 200;
constexpr std::uint64_t kRoundDigestDebounceMs = 50;
// A digest append or merged-feed write that failed (a full disk, a directory that cannot
// be written) is tried again this soon, new entries or not.
constexpr std::uint64_t kOutputRetryMs = 5000;
// How often systemd's STATUS= line is refreshed.
constexpr std::uint64_t kStatusPeriodMs = 10'000;
// Retention runs this often, and again soon while a batch limit left work to do.
constexpr std::uint64_t kPrunePeriodMs = 10 * 60'000;
constexpr std::uint64_t kPruneAgainMs = 1'000;
// Polls that end together are recorded in one transaction, which costs far more than
// most polls' rows. A check handle hands them to the worker after the loop's I/O phase;
// this many are handed over at once, without waiting for it. Polls handed over while a
// commit runs go together in the next one.
constexpr std::size_t kCommitBatch = 64;
// Polls ended and not yet committed, at most: while the store's thread is behind, no new
// transfer starts, so parsed feeds do not pile up in memory (a cold start of 10,000
// feeds fetches faster than it stores).
constexpr std::size_t kMaxUncommitted = 256;

}  // namespace

struct Daemon::Impl {
  struct Feed {
    config::FeedConfig config;
    store::FeedState state;
    bool in_flight = false;
    bool active = true;  // false once a reload removed it (its slot is never reused)
    std::uint64_t host_slot = 0;  // a start time reserved for it by host spacing (loop ms)
    bool waiting = false;         // due, held back (in `waiting` or its host's queue)
    std::string transfer_host;    // while in flight: the host its transfer counts against
  };

  // A poll that ended and waits for its commit. The outcome owns the parsed feed the
  // store's PollRecord points to.
  struct EndedPoll {
    std::size_t index = 0;
    PollOutcome outcome;  // settled by the commit when a document was parsed
    Instant now{};
    std::size_t bytes = 0;  // of the body it came from, counted in pending_bytes
  };

  config::Config config;
  Mode mode;
  std::string log_level;  // from the command line; empty: the config's
  std::shared_ptr<spdlog::logger> log = log::get("app");

  uv_loop_t loop{};
  bool loop_ready = false;
  std::unique_ptr<store::Store> store;
  // Runs everything that touches the store or the output files, in order, so that the
  // loop only fetches and parses. Jobs read `store`, `publisher` and what they capture;
  // the loop thread replaces or uses those itself only after worker->settle().
  std::unique_ptr<SerialWorker> worker;
  // Ended polls handed to the worker. A commit job takes all that are here when it
  // starts, so polls that end while another commit runs join the next transaction
  // without waiting for the loop to hear that the first one is done.
  struct CommitQueue {
    std::mutex mutex;
    std::vector<EndedPoll> polls;
    bool job_queued = false;  // a commit job is posted and has not taken the polls yet
  } commit_queue;
  std::size_t commits_outstanding = 0;  // commit jobs whose completion has not run
  std::size_t uncommitted = 0;          // polls ended whose commit has not completed
  // The bodies of those polls, in bytes: what their parsed documents hold, about.
  std::size_t pending_bytes = 0;
  bool loop_stopped = false;   // uv_stop was called
  std::unique_ptr<fetch::Client> client;
  UvHandle<uv_timer_t> due_timer;
  UvHandle<uv_timer_t> write_timer;
  UvHandle<uv_timer_t> digest_timer;
  UvHandle<uv_signal_t> sigint;
  UvHandle<uv_signal_t> sigterm;
  UvHandle<uv_signal_t> sighup;
  UvHandle<uv_timer_t> watchdog_timer;
  UvHandle<uv_timer_t> status_timer;
  UvHandle<uv_timer_t> prune_timer;
  UvHandle<uv_timer_t> integrity_timer;  // run: the database's periodic quick_check
  UvHandle<uv_check_t> commit_check;
  // Active while polls wait for commit_check: the I/O phase before it must not block.
  UvHandle<uv_idle_t> commit_idle;
  std::unique_ptr<output::Publisher> publisher;
  Notifier notifier;
  std::unique_ptr<output::DayTimer> midnight;  // run: moves digest/today at local midnight
  output::Metrics metrics;
  bool batch_failed = false;  // some poll of the current batch failed
  bool metrics_failing = false;  // the last write of feedd.prom failed (logged once)
  // The last digest append, the last write of the merged feeds, failed (logged once).
  // Only the store's thread reads and sets them: in the jobs that write.
  bool digest_failing = false;
  bool outputs_failing = false;

  std::vector<Feed> feeds;
  schedule::DueQueue queue;
  schedule::HostSpacing hosts;
  std::mt19937_64 jitter_seeds{std::random_device{}()};
  std::size_t in_flight = 0;
  // Due feeds held back by may_start(): beyond the cap of transfers handed to the client,
  // or while the store is behind (kMaxUncommitted polls, fetch.max_buffered_bytes), in
  // due order. Each transfer holds a curl handle and its buffers: 10,000 feeds due at once
  // must not mean 10,000 of those.
  std::deque<std::size_t> waiting;
  // Transfers in flight per host, and the due feeds waiting for one of them to end
  // (fetch.max_host_connections). libcurl would queue those itself, but a transfer handed
  // to it is under way as far as the daemon can tell: it will end, be parsed and wait for
  // the store whatever memory that takes (may_start). Held here, a feed starts only once
  // its host has room and may_start() allows.
  struct HostLoad {
    std::size_t in_flight = 0;
    std::deque<std::size_t> waiting;
  };
  std::unordered_map<std::string, HostLoad> host_load;
  // Polls ended and not yet committed: their feeds' state is not advanced until then, so
  // polls lost with the queue (SIGKILL) are simply polled again.
  std::vector<EndedPoll> ended;
  bool any_failed = false;
  bool outputs_dirty = true;
  bool digest_dirty = false;
  bool stopping = false;
  bool database_corrupt = false;  // run: a periodic check failed; the daemon stops with 1
  bool store_failing = false;
  std::uint64_t polls = 0;
  std::uint64_t failed_polls = 0;

  Impl(config::Config c, Mode m, std::string level) : config(std::move(c)), mode(m), log_level(std::move(level)) {}

  ~Impl() { shutdown(); }

  int run() {
    auto zoned = output::use_time_zone(config.timezone);
    if (!zoned) {
      log->error("config={} error=\"{}\"", config.source.string(), zoned.error().message);
      return 1;
    }
    std::error_code ec;
    std::filesystem::create_directories(config.output_dir / "digest", ec);
    if (ec) {
      log->error("output_dir={} error=\"cannot create: {}\"", config.output_dir.string(), ec.message());
      return 1;
    }
    std::filesystem::create_directories(config.database.parent_path(), ec);

    store::StoreOptions store_options;
    store_options.extra_tracking_params = config.tracking_params;
    store_options.retention_days = static_cast<int>(config.retention_days);
    store_options.max_entries_per_feed = static_cast<int>(config.max_entries_per_feed);
    store_options.tombstone_days = static_cast<int>(config.tombstone_days);
    // The integrity check reads the whole database: at every start of the daemon (and
    // then every interval, check_integrity()), and for one-shot rounds run from cron when
    // the last one is that old.
    if (mode == Mode::once) store_options.integrity_check_interval = config.integrity_check_interval;
    // A one-shot round writes its whole WAL without stopping to copy it (a cold round of
    // 1,000 feeds writes about 60 MB); the daemon, which commits a little every few
    // seconds for months, keeps its WAL to SQLite's default 1,000 pages.
    if (mode == Mode::once) store_options.wal_autocheckpoint_pages = 10'000;
    auto opened = store::Store::open(config.database, store_options);
    if (!opened) {
      log->error("database={} error=\"{}\"", config.database.string(), opened.error().message);
      return 1;
    }
    store = std::move(*opened);

    {
      // All of the config's feeds in one transaction: thousands of feeds start at once.
      std::vector<std::string> urls;
      urls.reserve(config.feeds.size());
      for (const auto& feed_config : config.feeds) urls.push_back(feed_config.url);
      auto states = store->ensure_feeds(urls);
      for (std::size_t i = 0; i < states.size(); ++i) {
        if (!add_feed(config.feeds[i], std::move(states[i]))) return 1;
      }
    }

    publisher = std::make_unique<output::Publisher>(*store, publisher_options());
    // Entries stored just before a crash, with no digest line yet: written now, not only
    // when a later poll happens to bring something new.
    digest_dirty = true;
    flush_digest();

    if (uv_loop_init(&loop) != 0) {
      log->error("error=\"cannot initialize the event loop\"");
      return 1;
    }
    loop_ready = true;
    loop.data = this;
    worker = std::make_unique<SerialWorker>(&loop, [this](std::exception_ptr error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log->critical("error=\"{}\"", e.what());
      } catch (...) {
        log->critical("error=\"unknown exception\"");
      }
      stop_loop();
    }, "feedd-store");

    fetch::ClientOptions client_options;
    client_options.user_agent = config.user_agent.empty() ? kUserAgent : config.user_agent;
    client_options.max_total_connections = static_cast<std::size_t>(config.max_connections);
    client_options.max_host_connections = static_cast<std::size_t>(config.max_host_connections);
    client = std::make_unique<fetch::Client>(&loop, client_options);

    // What the last run left in the WAL goes into the database file on the store's
    // thread while the first transfers run (a new database has next to nothing there).
    on_worker([this, database = config.database.string()]() -> SerialWorker::Completion {
      auto copied = store->checkpoint();
      if (!copied) log->warn("database={} checkpoint_error=\"{}\"", database, copied.error().message);
      return nullptr;
    });

    due_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    write_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    digest_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    sigint = UvHandle<uv_signal_t>::make(&loop, uv_signal_init);
    sigterm = UvHandle<uv_signal_t>::make(&loop, uv_signal_init);
    sighup = UvHandle<uv_signal_t>::make(&loop, uv_signal_init);
    watchdog_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    status_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    prune_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    integrity_timer = UvHandle<uv_timer_t>::make(&loop, uv_timer_init);
    commit_check = UvHandle<uv_check_t>::make(&loop, uv_check_init);
    commit_idle = UvHandle<uv_idle_t>::make(&loop, uv_idle_init);
    if (!due_timer || !write_timer || !digest_timer || !sigint || !sigterm || !sighup || !watchdog_timer ||
        !status_timer || !prune_timer || !integrity_timer || !commit_check || !commit_idle) {
      log->error("error=\"cannot create event loop handles\"");
      return 1;
    }
    for (uv_handle_t* h : {as_handle(due_timer.get()), as_handle(write_timer.get()), as_handle(digest_timer.get()),
                           as_handle(sigint.get()),
                           as_handle(sigterm.get()), as_handle(sighup.get()), as_handle(watchdog_timer.get()),
                           as_handle(status_timer.get()), as_handle(prune_timer.get()),
                           as_handle(integrity_timer.get()), as_handle(commit_check.get()), as_handle(commit_idle.get())}) {
      h->data = this;
    }
    uv_signal_start(sigint.get(), on_signal, SIGINT);
    uv_signal_start(sigterm.get(), on_signal, SIGTERM);
    if (mode == Mode::run) {
      uv_signal_start(sighup.get(), on_sighup, SIGHUP);
      uv_timer_start(prune_timer.get(), on_prune_timer, kPrunePeriodMs, 0);
      arm_integrity_timer();
    }
    // The watchdog is fed from the loop itself: a stalled loop stops feeding it.
    if (const auto period = notifier.watchdog_period()) {
      const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(period->count(), 1));
      uv_timer_start(watchdog_timer.get(), on_watchdog_timer, 0, ms);
    }

    log->info("mode={} feeds={} database={} merged_feed={} digest={}",
              mode == Mode::once ? "once" : "run", feeds.size(), config.database.string(),
              (config.output_dir / "feed.atom").string(), (config.output_dir / "digest" / "today").string());

    const Instant now = now_utc();
    restore_host_holds(now);
    for (std::size_t i = 0; i < feeds.size(); ++i) {
      const auto& state = feeds[i].state;
      if (!state.disabled_reason.empty()) {
        log->warn("feed={} disabled=\"{}\"", state.url, state.disabled_reason);
        continue;
      }
      // A failing feed is logged when its error changes, which a restart does not do: the
      // daemon names each one as it starts, so that its log since the start (journalctl
      // -b) tells what fails. One-shot rounds from cron would repeat it every time.
      if (mode == Mode::run && !state.last_error.empty()) {
        log->warn("feed={} errors={} error=\"{}\" \"failing when the daemon started\"", state.url,
                  state.consecutive_errors, state.last_error);
      }
      if (mode == Mode::once) {
        // A one-shot round (cron) polls every feed, except where a server asked for a
        // pause that has not ended: those wait for a later round.
        if (wait_for_host_hold(i, schedule::host_of(poll_url(state)))) continue;
        start_poll(i);
      } else {
        queue.push(i, due_in_ms(state.next_due.value_or(now), now));
      }
    }
    if (mode == Mode::run) {
      midnight = std::make_unique<output::DayTimer>(
          &loop, [this](Instant at) {
            worker->settle();  // the digest is the loop's for a moment
            return publisher->roll_day(at);
          });
      midnight->start();
      if (digest_dirty) retry_later(digest_timer, on_digest_timer);  // the first append failed
      write_outputs();
      write_metrics();
      arm_due_timer();
      notifier.ready(status_line());
      if (notifier.enabled()) uv_timer_start(status_timer.get(), on_status_timer, kStatusPeriodMs, kStatusPeriodMs);
    } else if (in_flight == 0) {
      finish_round();
    }

    uv_run(&loop, UV_RUN_DEFAULT);
    worker->settle();  // commits still out, and what their completions add
    flush_digest();
    if (outputs_dirty) write_outputs();
    shutdown();
    if (mode == Mode::once && any_failed) return 1;
    return database_corrupt ? 1 : 0;
  }

  static uv_handle_t* as_handle(void* h) { return static_cast<uv_handle_t*>(h); }

  // A server's Retry-After outlives the process: each feed remembers until when its host
  // is held, and the hold is taken up again at start.
  void restore_host_holds(Instant now) {
    for (const auto& feed : feeds) {
      const auto until = host_hold(feed.state, now);
      if (!until) continue;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*until - now).count();
      const auto host = schedule::host_of(poll_url(feed.state));
      hosts.block(host, uv_now(&loop) + static_cast<std::uint64_t>(ms));
      log->info("host={} paused=\"a Retry-After from before holds it {}s more\"", host, (ms + 999) / 1000);
    }
  }

  bool add_feed(const config::FeedConfig& feed_config) {
    return add_feed(feed_config, store->ensure_feed(feed_config.url));
  }

  bool add_feed(const config::FeedConfig& feed_config, Result<store::FeedState> state) {
    if (!state) {
      log->error("feed={} error=\"{}\"", feed_config.url, state.error().message);
      return false;
    }
    feeds.push_back({feed_config, std::move(*state), false, true, 0, false, {}});
    return true;
  }

  std::string status_line() const {
    std::size_t active = 0;
    std::size_t failing = 0;
    for (const auto& f : feeds) {
      if (!f.active) continue;
      ++active;
      if (!f.state.last_error.empty()) ++failing;
    }
    return std::to_string(active) + " feeds, " + std::to_string(failing) + " failing; " +
           std::to_string(polls) + " polls, " + std::to_string(failed_polls) + " errors";
  }

  // SIGHUP: the config file is read again. Added feeds start polling, removed ones stop
  // (their entries stay), unchanged ones keep their state and schedule. A config with any
  // problem is rejected whole and the running one stays.
  void reload() {
    notifier.reloading();
    // Ended polls are recorded for the feeds as they are now, before any is removed; and
    // the store and the publisher are the loop's while it reloads.
    commit_ended();
    worker->settle();
    auto loaded = config::check(config.source);
    if (!loaded.config) {
      for (const auto& problem : loaded.problems) log->error("config: {}", problem.to_string());
      log->error("config={} reload=rejected problems={} \"keeping the running configuration\"",
                 config.source.string(), loaded.problems.size());
      notifier.status(status_line());
      return;
    }
    config::Config next = std::move(*loaded.config);
    if (next.database != config.database) {
      log->warn("config={} key=feedd.database \"a new database path takes effect at restart\"",
                config.source.string());
      next.database = config.database;
    }
    if (next.max_connections != config.max_connections ||
        next.max_host_connections != config.max_host_connections || next.user_agent != config.user_agent) {
      log->warn("config={} \"fetch.max_connections, fetch.max_host_connections and fetch.user_agent "
                "take effect at restart\"", config.source.string());
      // The client keeps the limits it was made with; the caps here follow the client.
      next.max_connections = config.max_connections;
      next.max_host_connections = config.max_host_connections;
      next.user_agent = config.user_agent;
    }
    if (next.tracking_params != config.tracking_params) {
      // The store keys entries with the parameters it was opened with.
      log->warn("config={} key=store.tracking_params \"new tracking parameters take effect at restart\"",
                config.source.string());
    }

    std::size_t added = 0;
    std::size_t removed = 0;
    // By URL in hash maps: a reload of 10,000 feeds takes linear time.
    std::unordered_map<std::string_view, const config::FeedConfig*> in_next;
    for (const auto& feed_config : next.feeds) in_next.emplace(feed_config.url, &feed_config);
    std::unordered_set<std::string_view> known;
    for (std::size_t i = 0; i < feeds.size(); ++i) {
      Feed& feed = feeds[i];
      if (!feed.active) continue;
      const auto kept = in_next.find(feed.config.url);
      if (kept == in_next.end()) {
        feed.active = false;
        queue.remove(i);
        ++removed;
        log->info("feed={} removed=\"no longer in the config; its entries stay\"", feed.state.url);
      } else {
        feed.config = *kept->second;
        known.insert(kept->second->url);
      }
    }
    const Instant now = now_utc();
    for (const auto& feed_config : next.feeds) {
      if (known.count(feed_config.url) > 0) continue;
      if (!add_feed(feed_config)) continue;
      ++added;
      const auto& state = feeds.back().state;
      log->info("feed={} added", state.url);
      if (state.disabled_reason.empty()) queue.push(feeds.size() - 1, due_in_ms(state.next_due.value_or(now), now));
    }

    const bool integrity_interval_changed = next.integrity_check_interval != config.integrity_check_interval;
    config = std::move(next);
    if (integrity_interval_changed) arm_integrity_timer();
    log::setup(log_level.empty() ? config.log_level : log_level);
    publisher = std::make_unique<output::Publisher>(*store, publisher_options());
    outputs_dirty = true;
    schedule_write();
    arm_due_timer();
    log->info("config={} reload=done feeds={} added={} removed={}", config.source.string(),
              config.feeds.size(), added, removed);
    notifier.status(status_line());
  }

  // Wall-clock due times become loop (monotonic) times here, once, when queued.
  std::uint64_t due_in_ms(Instant due, Instant now) const {
    return schedule::monotonic_due(due, now, uv_now(&loop), std::max(config.max_interval, config.max_retry_after));
  }

  PollSettings poll_settings(const Feed& feed) {
    PollSettings settings;
    settings.policy.interval = feed.config.interval.value_or(config.interval);
    settings.policy.min_interval = config.min_interval;
    settings.policy.max_interval = config.max_interval;
    settings.policy.jitter = static_cast<double>(config.jitter_percent) / 100.0;
    settings.policy.adaptive = config.adaptive;
    settings.policy.max_retry_after = config.max_retry_after;
    settings.permanent_redirect_polls = static_cast<int>(config.permanent_redirect_polls);
    settings.disable_after_days = static_cast<int>(config.disable_after_days);
    settings.seed = jitter_seeds();
    settings.max_entries = std::max(settings.max_entries, static_cast<std::size_t>(config.max_entries_per_feed));
    return settings;
  }

  fetch::Request request_for(const Feed& feed) const {
    fetch::Request request;
    request.url = poll_url(feed.state);
    request.etag = feed.state.etag;
    request.last_modified = feed.state.last_modified;
    request.user_agent = feed.config.user_agent;
    request.headers = feed.config.headers;
    request.allow_file = feed.config.url.rfind("file://", 0) == 0;
    request.ca_file = config.ca_file.string();
    request.limits.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
    request.limits.connect_timeout = config.connect_timeout;
    request.limits.total_timeout = config.timeout;
    request.limits.max_redirects = static_cast<long>(config.max_redirects);
    request.limits.low_speed_bytes_per_second = static_cast<long>(config.low_speed_bytes);
    request.limits.low_speed_time = config.low_speed_time;
    return request;
  }

  // Whether another transfer may start: below the cap of transfers, the store keeps up,
  // and the documents in memory (being received, or parsed and waiting for their commit)
  // are within fetch.max_buffered_bytes. Without that last bound a first round of large
  // feeds (podcasts: 10 MB each) held every document the store had not reached yet, and
  // a round of 100 of them peaked near 1 GB. Each of these drains by itself (transfers
  // end, commits complete), so feeds held back always start in the end.
  bool may_start() const {
    return in_flight < transfer_cap() && uncommitted < kMaxUncommitted &&
           pending_bytes + client->receiving_bytes() < static_cast<std::size_t>(config.max_buffered_bytes);
  }

  // As many as libcurl runs at once: one more would wait in its queue, out of reach of
  // may_start().
  std::size_t transfer_cap() const {
    return static_cast<std::size_t>(std::max<std::int64_t>(config.max_connections, 1));
  }

  // Transfers at once to one host, as libcurl runs them.
  std::size_t host_cap() const {
    return static_cast<std::size_t>(std::max<std::int64_t>(config.max_host_connections, 1));
  }

  void start_poll(std::size_t index) {
    Feed& feed = feeds[index];
    if (feed.in_flight || feed.waiting || stopping) return;
    if (!may_start()) {
      feed.waiting = true;
      waiting.push_back(index);
      return;
    }
    std::string host = schedule::host_of(poll_url(feed.state));
    HostLoad& load = host_load[host];
    if (load.in_flight >= host_cap()) {
      feed.waiting = true;
      load.waiting.push_back(index);
      return;
    }
    ++load.in_flight;
    feed.transfer_host = std::move(host);
    feed.in_flight = true;
    ++in_flight;
    client->start(request_for(feed), [this, index](fetch::Response response) {
      on_response(index, std::move(response));
    });
  }

  // A transfer of this feed's host ended: the next feed waiting for that host goes on
  // (to its transfer, or to `waiting` when may_start() says no).
  void release_host(Feed& feed) {
    const std::string host = std::exchange(feed.transfer_host, std::string());
    const auto it = host_load.find(host);
    if (it == host_load.end()) return;
    HostLoad& load = it->second;  // stays put while start_poll() adds other hosts
    --load.in_flight;
    while (!load.waiting.empty() && load.in_flight < host_cap() && !stopping) {
      const std::size_t next = load.waiting.front();
      load.waiting.pop_front();
      feeds[next].waiting = false;
      if (feeds[next].active && !wait_for_host_hold(next, host)) start_poll(next);
    }
    if (load.in_flight == 0 && load.waiting.empty()) host_load.erase(host);
  }

  // Whether a Retry-After holds this feed's host. A feed it holds waits for the hold to
  // end: in a run, in the due queue; in a one-shot round (cron), for a later round.
  bool wait_for_host_hold(std::size_t index, const std::string& host) {
    const std::uint64_t held = hosts.blocked_until(host);
    const std::uint64_t now_ms = uv_now(&loop);
    if (held <= now_ms) return false;
    if (mode == Mode::once) {
      log->info("feed={} skipped=\"host {} asked for a pause (Retry-After) for {}s more\"", feeds[index].state.url,
                host, (held - now_ms + 999) / 1000);
    } else {
      queue.push(index, held);
      arm_due_timer();
    }
    return true;
  }

  void start_waiting() {
    while (!waiting.empty() && may_start() && !stopping) {
      const std::size_t next = waiting.front();
      waiting.pop_front();
      feeds[next].waiting = false;
      if (feeds[next].active) start_poll(next);
    }
  }

  // Feeds of one host due together start schedule.host_spacing apart, and none starts
  // while the host's Retry-After holds; a held feed goes back in the queue for its slot.
  void start_when_host_allows(std::size_t index, std::uint64_t now_ms) {
    Feed& feed = feeds[index];
    const auto host = schedule::host_of(poll_url(feed.state));
    const bool has_slot = feed.host_slot != 0 && feed.host_slot <= now_ms && hosts.blocked_until(host) <= now_ms;
    feed.host_slot = 0;
    if (!has_slot) {
      hosts.set_gap(static_cast<std::uint64_t>(config.host_spacing.count()) * 1000);
      const std::uint64_t slot = hosts.reserve(host, now_ms);
      if (slot > now_ms) {
        feed.host_slot = slot;
        queue.push(index, slot);
        return;
      }
    }
    start_poll(index);
  }

  void on_response(std::size_t index, fetch::Response response) {
    Feed& feed = feeds[index];
    feed.in_flight = false;
    --in_flight;
    if (response.outcome == fetch::Outcome::cancelled || !feed.active) {
      release_host(feed);
      start_waiting();
      return;
    }
    ++polls;
    // Held until its commit, as the document parsed from it: counted before anything starts.
    const std::size_t bytes = response.body.size();
    pending_bytes += bytes;
    ++uncommitted;

    const Instant now = now_utc();
    PollOutcome outcome = interpret(feed.state, response, now, poll_settings(feed));
    count_poll(response, outcome);
    if (!feed.config.title.empty()) outcome.state.title = feed.config.title;
    if (outcome.host_retry_after) {
      // The server asked for a pause: no feed of this host starts before it ends.
      const auto host = schedule::host_of(poll_url(feed.state));
      hosts.block(host, uv_now(&loop) + static_cast<std::uint64_t>(outcome.host_retry_after->count()) * 1000);
      log->info("host={} paused={}s \"Retry-After: its other feeds wait too\"", host,
                outcome.host_retry_after->count());
    }

    // The host's next feed starts now, after any Retry-After this answer carried.
    release_host(feed);
    start_waiting();

    ended.push_back({index, std::move(outcome), now, bytes});
    if (ended.size() >= kCommitBatch) {
      commit_ended();
    } else {
      uv_check_start(commit_check.get(), on_commit_check);
      uv_idle_start(commit_idle.get(), on_commit_idle);
    }
  }

  // Hands the ended polls to the worker, which records them in one transaction with any
  // others waiting; each feed moves on when its commit is done.
  void commit_ended() {
    if (ended.empty()) return;
    bool post = false;
    {
      std::lock_guard lock(commit_queue.mutex);
      auto& queued = commit_queue.polls;
      queued.insert(queued.end(), std::make_move_iterator(ended.begin()), std::make_move_iterator(ended.end()));
      post = !std::exchange(commit_queue.job_queued, true);
    }
    ended.clear();
    if (!post) return;  // the job already queued takes these too
    ++commits_outstanding;
    on_worker([this]() -> SerialWorker::Completion {
      auto polls = std::make_shared<std::vector<EndedPoll>>();
      {
        std::lock_guard lock(commit_queue.mutex);
        polls->swap(commit_queue.polls);
        commit_queue.job_queued = false;
      }
      std::vector<store::PollRecord> records;
      records.reserve(polls->size());
      for (auto& poll : *polls) {
        const auto& parsed = poll.outcome.parsed;
        records.push_back({poll.outcome.state, parsed ? &*parsed : nullptr, poll.now, {}});
        if (poll.outcome.unsettled) {
          // The schedule counts what the store found new; the loop reads the settled
          // outcome once the commit's completion runs.
          records.back().settle = [&outcome = poll.outcome](store::FeedState& state,
                                                             const store::IngestResult& ingested) {
            settle(outcome, ingested);
            state = outcome.state;
          };
        }
      }
      auto committed = std::make_shared<std::vector<Result<store::IngestResult>>>(store->commit_polls(records));
      return [this, polls, committed] { on_committed(*polls, *committed); };
    });
  }

  void on_committed(const std::vector<EndedPoll>& polls, const std::vector<Result<store::IngestResult>>& committed) {
    --commits_outstanding;
    uncommitted -= polls.size();
    for (const auto& poll : polls) pending_bytes -= poll.bytes;
    for (std::size_t i = 0; i < polls.size(); ++i) after_commit(polls[i], committed[i]);
    start_waiting();  // transfers held back while the store was behind

    // Polls still in flight, ended or in a queued commit are committed later: only the
    // commit of the last one ends the batch (and a one-shot round).
    const bool batch_over = in_flight == 0 && ended.empty() && commits_outstanding == 0;
    if (batch_over && !polls.empty()) end_batch(polls.back().now);
    if (mode == Mode::once) {
      if (batch_over) finish_round();
      return;
    }
    if (stopping) return;
    arm_due_timer();
    if (outputs_dirty) schedule_write();
  }

  // Runs `job` on the worker; before the worker exists (start-up), here and now.
  void on_worker(SerialWorker::Job job) {
    if (worker) {
      worker->post(std::move(job));
    } else if (auto completion = job()) {
      completion();
    }
  }

  void after_commit(const EndedPoll& poll, const Result<store::IngestResult>& committed) {
    Feed& feed = feeds[poll.index];
    const PollOutcome& outcome = poll.outcome;
    const Instant now = poll.now;
    schedule::Decision decision{outcome.state.next_due.value_or(now), outcome.state.next_due_reason};
    if (!committed) {
      // Nothing of this poll was stored: keep the old state and try again soon.
      any_failed = true;
      batch_failed = true;
      ++metrics.store_failures;
      if (!store_failing) log->error("feed={} store_error=\"{}\"", feed.state.url, committed.error().message);
      store_failing = true;
      decision = {now + config.min_interval, "retry after a store error"};
    } else {
      if (store_failing) log->info("store=ok \"writes succeed again\"");
      store_failing = false;
      report(feed, outcome, *committed);
      metrics.entries_new += committed->new_entries.size();
      metrics.entries_duplicate += committed->duplicates;
      metrics.entries_updated += committed->updated;
      if (outcome.gap) ++metrics.gaps;
      feed.state = outcome.state;
      if (outcome.failed) {
        any_failed = true;
        ++failed_polls;
      }
      if (!committed->new_entries.empty() || committed->updated > 0) {
        outputs_dirty = true;
        digest_dirty = true;
        // Also in a one-shot round: the worker writes most of the digest while the loop
        // still fetches, and the end of the round has less left to do.
        if (!stopping && !uv_is_active(as_handle(digest_timer.get()))) {
          uv_timer_start(digest_timer.get(), on_digest_timer,
                         mode == Mode::once ? kRoundDigestDebounceMs : kDigestDebounceMs, 0);
        }
      }
    }
    if (mode == Mode::once || !feed.state.disabled_reason.empty() || stopping || !feed.active) return;
    queue.push(poll.index, due_in_ms(decision.due, now));
  }

  void report(const Feed& feed, const PollOutcome& outcome, const store::IngestResult& ingested) {
    const auto& url = feed.state.url;
    if (!outcome.notice.empty() && outcome.state.disabled_reason.empty()) {
      log->warn("feed={} {}", url, outcome.notice);
    }
    if (!outcome.unseen_notice.empty()) log->warn("feed={} {}", url, outcome.unseen_notice);
    if (!outcome.state.disabled_reason.empty()) {
      log->error("feed={} {} disabled=\"{}\"", url, outcome.summary, outcome.state.disabled_reason);
    } else if (outcome.failed) {
      // A failing feed is logged when its error changes, not at every poll.
      const bool changed = outcome.state.last_error != feed.state.last_error;
      log->log(changed ? spdlog::level::warn : spdlog::level::debug,
               "feed={} {} errors={} error=\"{}\"", url, outcome.summary,
               outcome.state.consecutive_errors, outcome.state.last_error);
    } else {
      if (feed.state.consecutive_errors > 0) {
        log->info("feed={} recovered after {} errors", url, feed.state.consecutive_errors);
      }
      log->info("feed={} {} new={} duplicate={} updated={}{}{}", url, outcome.summary,
                ingested.new_entries.size(), ingested.duplicates, ingested.updated,
                ingested.relinked > 0 ? " relinked=" + std::to_string(ingested.relinked) : std::string(),
                ingested.beyond_cap > 0 ? " beyond_cap=" + std::to_string(ingested.beyond_cap) : std::string());
    }
  }

  output::PublisherOptions publisher_options() const {
    output::PublisherOptions options;
    options.output_dir = config.output_dir;
    options.meta.title = config.title;
    options.meta.subtitle = config.subtitle;
    options.meta.base_url = config.base_url;
    options.max_entries = static_cast<std::size_t>(config.max_entries);
    options.digest_days = static_cast<int>(config.digest_days);
    for (const auto& f : feeds) {
      if (!f.active) continue;
      for (const auto& tag : f.config.tags) {
        auto it = std::find_if(options.tags.begin(), options.tags.end(),
                               [&](const auto& t) { return t.first == tag; });
        if (it == options.tags.end()) it = options.tags.insert(options.tags.end(), {tag, {}});
        it->second.push_back(f.state.url);
      }
    }
    return options;
  }

  void count_poll(const fetch::Response& response, const PollOutcome& outcome) {
    const bool http = response.outcome == fetch::Outcome::ok && response.status > 0;
    metrics.count_poll(http ? std::to_string(response.status) : fetch::to_string(response.outcome),
                       response.bytes_received);
    if (http && response.status / 100 == 2 && !outcome.parsed && outcome.failed) ++metrics.parse_failures;
    if (outcome.failed) batch_failed = true;
  }

  // No poll in flight: a batch of polls has ended; feedd.prom tells about it.
  void end_batch(Instant now) {
    metrics.end_batch(now, batch_failed);
    batch_failed = false;
    write_metrics();
  }

  void write_metrics() {
    metrics.feeds_total = feeds.size();
    metrics.feeds_failing = 0;
    metrics.feeds_disabled = 0;
    for (const auto& f : feeds) {
      if (!f.state.disabled_reason.empty()) {
        ++metrics.feeds_disabled;
      } else if (!f.state.last_error.empty()) {
        ++metrics.feeds_failing;
      }
    }
    on_worker([this, snapshot = metrics]() -> SerialWorker::Completion {
      auto written = publisher->write_metrics(snapshot);
      return [this, written] { noted("metrics", written, metrics_failing); };
    });
  }

  void flush_digest() {
    if (!digest_dirty || !publisher) return;
    digest_dirty = false;
    on_worker([this, now = now_utc()]() -> SerialWorker::Completion {
      if (noted("digest", publisher->write_digest(now), digest_failing)) return nullptr;
      return [this] {
        digest_dirty = true;  // its entries are still to be written
        retry_later(digest_timer, on_digest_timer);
      };
    });
  }

  void write_outputs() {
    outputs_dirty = false;
    on_worker([this, now = now_utc()]() -> SerialWorker::Completion {
      if (noted("output", publisher->write_feeds(now), outputs_failing)) return nullptr;
      return [this] {
        outputs_dirty = true;  // tried again with the next change, or soon
        retry_later(write_timer, on_write_timer);
      };
    });
  }

  // Whether an output was written. A failure is logged when it begins, not at every
  // attempt, and so is the first success after it.
  bool noted(const char* what, const Status& written, bool& failing) {
    if (written) {
      if (failing) log->info("{}=ok \"writes succeed again\"", what);
      failing = false;
      return true;
    }
    if (!failing) log->error("{} error=\"{}\"", what, written.error().message);
    failing = true;
    return false;
  }

  // A failed output is tried again in kOutputRetryMs, unless its timer will run sooner.
  void retry_later(UvHandle<uv_timer_t>& timer, uv_timer_cb callback) {
    if (stopping || mode != Mode::run || !timer || uv_is_active(as_handle(timer.get()))) return;
    uv_timer_start(timer.get(), callback, kOutputRetryMs, 0);
  }

  void schedule_write() {
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(write_timer.get()))) return;
    uv_timer_start(write_timer.get(), on_write_timer, kWriteDebounceMs, 0);
  }

  void arm_due_timer() {
    const auto next = queue.next_due();
    if (!next) {
      uv_timer_stop(due_timer.get());
      return;
    }
    const std::uint64_t now_ms = uv_now(&loop);
    uv_timer_start(due_timer.get(), on_due_timer, *next > now_ms ? *next - now_ms : 0, 0);
  }

  void finish_round() {
    flush_digest();
    // A one-shot round (cron) applies retention too, to the end.
    on_worker([this, now = now_utc(), database = config.database.string()]() -> SerialWorker::Completion {
      for (int batch = 0; batch < 1000; ++batch) {
        auto pruned = store->prune(now);
        if (!pruned) {
          log->error("database={} prune_error=\"{}\"", database, pruned.error().message);
          break;
        }
        if (!pruned->more) break;
      }
      return nullptr;
    });
    write_outputs();
    if (metrics.batches == 0) write_metrics();  // no poll ran: the gauges still tell
    worker->settle();
    std::size_t failed = 0;
    for (const auto& f : feeds) failed += f.state.last_error.empty() ? 0 : 1;
    log->info("round=done feeds={} failed={}", feeds.size(), failed);
    stop_loop();
  }

  void stop_loop() {
    // Polls that ended are recorded: a clean stop loses none.
    commit_ended();
    if (mode == Mode::run && !stopping) notifier.stopping();
    stopping = true;
    if (client) client->cancel_all();
    if (due_timer) uv_timer_stop(due_timer.get());
    if (write_timer) uv_timer_stop(write_timer.get());
    if (digest_timer) uv_timer_stop(digest_timer.get());
    if (watchdog_timer) uv_timer_stop(watchdog_timer.get());
    if (status_timer) uv_timer_stop(status_timer.get());
    if (prune_timer) uv_timer_stop(prune_timer.get());
    if (integrity_timer) uv_timer_stop(integrity_timer.get());
    if (commit_check) uv_check_stop(commit_check.get());
    if (commit_idle) uv_idle_stop(commit_idle.get());
    // Once: a second uv_stop, after uv_run returned, would cut short the run that closes
    // the handles.
    if (!loop_stopped) uv_stop(&loop);
    loop_stopped = true;
  }

  void shutdown() {
    if (!loop_ready) return;
    if (worker) worker->close();  // what is queued still runs
    client.reset();
    if (midnight) midnight->close();
    due_timer.close();
    write_timer.close();
    digest_timer.close();
    sigint.close();
    sigterm.close();
    sighup.close();
    watchdog_timer.close();
    status_timer.close();
    prune_timer.close();
    integrity_timer.close();
    commit_check.close();
    commit_idle.close();
    uv_run(&loop, UV_RUN_DEFAULT);  // runs the close callbacks
    if (uv_loop_close(&loop) != 0) log->warn("error=\"event loop closed with handles still open\"");
    loop_ready = false;
    midnight.reset();
    worker.reset();
    publisher.reset();
    store.reset();
  }

  static Impl* self(void* handle_data) { return static_cast<Impl*>(handle_data); }

  static void on_signal(uv_signal_t* handle, int signum) noexcept {
    Impl* d = self(handle->data);
    try {
      d->log->info("signal={} stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
      d->stop_loop();
    } catch (...) {
      uv_stop(&d->loop);
    }
  }

  static void on_sighup(uv_signal_t* handle, int) noexcept {
    Impl* d = self(handle->data);
    try {
      d->log->info("signal=SIGHUP reloading config={}", d->config.source.string());
      d->reload();
    } catch (const std::exception& e) {
      d->log->critical("reload error=\"{}\"", e.what());
    }
  }

  // Retention, in small batches so that other work (a commit) waits little for it.
  void prune() {
    on_worker([this, now = now_utc()]() -> SerialWorker::Completion {
      auto pruned = store->prune(now);
      return [this, pruned] {
        if (stopping) return;
        if (!pruned) {
          log->error("database={} prune_error=\"{}\"", config.database.string(), pruned.error().message);
          uv_timer_start(prune_timer.get(), on_prune_timer, kPrunePeriodMs, 0);
          return;
        }
        if (pruned->entries > 0 || pruned->tombstones > 0) {
          log->info("prune entries={} tombstones={} more={}", pruned->entries, pruned->tombstones, pruned->more);
          outputs_dirty = true;
          schedule_write();
        }
        uv_timer_start(prune_timer.get(), on_prune_timer, pruned->more ? kPruneAgainMs : kPrunePeriodMs, 0);
      };
    });
  }

  void arm_integrity_timer() {
    const auto ms = static_cast<std::uint64_t>(config.integrity_check_interval.count()) * 1000;
    uv_timer_start(integrity_timer.get(), on_integrity_timer, ms, ms);
  }

  // The database was checked at start; a daemon that runs for months checks it again
  // every interval. A corrupt file stops the daemon (status 1): writing on into it could
  // spread the damage, and a restart refuses it with the same message.
  void check_integrity() {
    on_worker([this, now = now_utc()]() -> SerialWorker::Completion {
      auto checked = store->check_integrity(now);
      if (checked && checked->sound) return nullptr;
      return [this, checked] {
        if (!checked) {  // not a verdict: tried again at the next interval
          log->error("database={} integrity_check_error=\"{}\"", config.database.string(),
                     checked.error().message);
          return;
        }
        log->critical("database={} error=\"the database is corrupt ({}); stopping: restore the file "
                      "from a backup, or move it away to start a new one\"",
                      config.database.string(), checked->verdict);
        database_corrupt = true;
        stop_loop();
      };
    });
  }

  static void on_integrity_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      d->check_integrity();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
    }
  }

  static void on_prune_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      d->prune();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
    }
  }

  static void on_watchdog_timer(uv_timer_t* handle) noexcept { self(handle->data)->notifier.watchdog(); }

  static void on_status_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      d->notifier.status(d->status_line());
    } catch (...) {
    }
  }

  static void on_due_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      const std::uint64_t now_ms = uv_now(&d->loop);
      for (std::size_t index : d->queue.pop_due(now_ms)) d->start_when_host_allows(index, now_ms);
      d->hosts.forget_before(now_ms);
      d->arm_due_timer();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
      d->stop_loop();
    }
  }

  // Runs right after the loop's I/O: the polls that ended in this turn commit together.
  static void on_commit_check(uv_check_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      uv_check_stop(handle);
      uv_idle_stop(d->commit_idle.get());
      d->commit_ended();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
      d->stop_loop();
    }
  }

  static void on_commit_idle(uv_idle_t*) noexcept {}

  static void on_digest_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      d->flush_digest();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
      d->stop_loop();
    }
  }

  static void on_write_timer(uv_timer_t* handle) noexcept {
    Impl* d = self(handle->data);
    try {
      d->write_outputs();
    } catch (const std::exception& e) {
      d->log->critical("error=\"{}\"", e.what());
      d->stop_loop();
    }
  }
};

Daemon::Daemon(config::Config config, Mode mode, std::string log_level)
    : impl_(std::make_unique<Impl>(std::move(config), mode, std::move(log_level))) {}
Daemon::~Daemon() = default;
int Daemon::run() { return impl_->run(); }

}  // namespace feedd::app
