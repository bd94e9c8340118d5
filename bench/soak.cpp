// bench_soak: feedd as a long-running daemon (`feedd run`) against feeds that keep changing,
// with the clock sped up: every feed is polled every second, so a few minutes stand for
// days of polling at the default 30-minute interval. It shows whether the process stays
// flat over time and whether killing it loses or repeats anything.
//
//   bench_soak [--feeds N] [--seconds S] [--sample S] [--kills K] [--feedd PATH] [--keep]
//
// Phase 1 (--seconds, default 720): the daemon runs undisturbed while about a tenth of
// the feeds publish one to three entries every second (and now and then retitle one).
// Every --sample seconds (default 60) a row: resident memory, open file descriptors,
// threads, CPU time, database and WAL size, bytes written to storage, polls and new
// entries so far (from the daemon's own feedd.prom). The first row is the baseline the
// last is compared with.
// Phase 2 (--kills, default 5): publishing goes on while the daemon reloads its config
// (SIGHUP, a new title for the merged feed) and is then killed with SIGKILL at a random
// moment and started again, --kills times. Then publishing stops, the daemon gets
// a last few polls and SIGTERM, and every digest file is read back: each entry ever
// published must be in the digest exactly once, whatever the kills interrupted.
// Local midnight falls 3 s into phase 2: the daemon runs in a time zone of its own (TZ, a
// POSIX offset chosen at the start), so its digest moves to a new day's file while it is
// being killed and started again. Both days' files must hold entries, and `today` must
// point at the second.
//
// Feeds come from nginx on 127.0.0.1 (ETags on, so most answers are 304), 70 % RSS 2.0
// and 30 % Atom, 20 entries in each document; three more feeds are broken for good
// (404, a truncated document, an HTML page), so the error paths run all along too. Nine
// more are hostile, each from a server of its own (the tests' scriptable HTTP server,
// tests/support/http_server.hpp): one never answers, one trickles its body a byte a
// second, one closes without a word, one sends binary garbage, one a gzip bomb, one a
// body over the cap, one redirects to itself, one to ftp://, and one is always busy
// (503 with Retry-After). The daemon must keep polling each (backing off, as the
// Retry-After says) and name each in its log; their requests are counted.
// store.max_entries_per_feed is 50, and the daemon prunes every 10 minutes: the default
// 12 minutes see one pruning, which turns the entries past 50 into tombstones. Each feed's
// file is rewritten at most every other second: nginx's ETag and Last-Modified have a
// resolution of one second, and a rewrite within the same second could go unseen, as it
// would from any such server. Needs nginx (scripts/install-deps bench). Not a test.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "common/util.hpp"
#include "support/http_server.hpp"

namespace fs = std::filesystem;
using namespace feedd::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int feeds = 200;
  int seconds = 720;
  int sample = 60;
  int kills = 5;
  std::string feedd;
  bool keep = false;
};

constexpr int kWindow = 20;  // entries in each document

struct Item {
  std::int64_t seq = 0;
  std::int64_t published = 0;  // seconds since the epoch
  std::string title;
  std::string link;
  std::string body;  // fixed once published, as a feed's text usually is
};

// One feed of the corpus: the entries its document carries now, newest first.
struct Feed {
  int index = 0;
  bool atom = false;
  std::int64_t next_seq = 0;
  std::deque<Item> items;
  Clock::time_point last_write{};
  fs::path file;
};

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string site_of(const Feed& f) { return "https://soak" + std::to_string(f.index) + ".example"; }

Item make_item(Feed& f, Rng& rng, std::int64_t published) {
  Item it;
  it.seq = f.next_seq++;
  it.published = published;
  it.title = words(rng, 4 + rng.below(6));
  it.link = site_of(f) + "/" + std::to_string(it.seq) + "-" + word(rng);
  it.body = "<p>" + words(rng, 30 + rng.below(40)) + "</p>";
  return it;
}

std::string document(const Feed& f) {
  std::ostringstream o;
  const std::string site = site_of(f);
  const std::int64_t updated = f.items.empty() ? now_s() : f.items.front().published;
  if (f.atom) {
    o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
      << "<title>Soak " << f.index << "</title>\n<id>" << site << "/</id>\n<link href=\"" << site
      << "/\"/>\n<updated>" << rfc3339(updated) << "</updated>\n";
  } else {
    o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\n<title>Soak " << f.index
      << "</title>\n<link>" << site << "/</link>\n<description>soak feed</description>\n";
  }
  for (const auto& it : f.items) {
    if (f.atom) {
      o << "<entry><title>" << it.title << "</title><link href=\"" << it.link << "\"/><id>" << it.link
        << "</id><updated>" << rfc3339(it.published) << "</updated><summary type=\"html\"><![CDATA[" << it.body
        << "]]></summary></entry>\n";
    } else {
      o << "<item><title>" << it.title << "</title><link>" << it.link << "</link><guid>" << it.link
        << "</guid><pubDate>" << rfc822(it.published) << "</pubDate><description><![CDATA[" << it.body
        << "]]></description></item>\n";
    }
  }
  o << (f.atom ? "</feed>\n" : "</channel></rss>\n");
  return o.str();
}

// What /proc and the daemon's files say at one moment.
struct Sample {
  double at = 0;  // seconds since the daemon started
  double rss_mb = 0;
  int fds = 0;
  int threads = 0;
  double cpu_s = 0;
  double db_mb = 0;
  double wal_mb = 0;
  double written_mb = 0;  // bytes the process had the kernel send to storage (/proc/PID/io)
  std::uint64_t polls = 0;
  std::uint64_t entries_new = 0;
  std::uint64_t entries_updated = 0;
  std::uint64_t gaps = 0;  // polls that found no entry seen before (feedd_gaps_total)
  std::uint64_t store_failures = 0;
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double file_mb(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<double>(n) / (1024.0 * 1024.0);
}

// What the daemon's feedd.prom says now: each sample's name (labels included, as
// `feedd_polls_total{outcome="304"}`) and value, in file order.
std::vector<std::pair<std::string, std::uint64_t>> prom_values(const fs::path& dir) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::istringstream prom(read_all(dir / "out" / "feedd.prom"));
  for (std::string line; std::getline(prom, line);) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos || line.empty() || line[0] == '#') continue;
    out.emplace_back(line.substr(0, space), std::stoull(line.substr(space + 1)));
  }
  return out;
}

Sample sample(pid_t pid, const fs::path& dir, double at) {
  Sample s;
  s.at = at;
  const fs::path proc = "/proc/" + std::to_string(pid);
  std::istringstream status(read_all(proc / "status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mb = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("Threads:", 0) == 0) s.threads = std::stoi(line.substr(8));
  }
  std::istringstream io(read_all(proc / "io"));
  for (std::string line; std::getline(io, line);) {
    if (line.rfind("write_bytes:", 0) == 0) s.written_mb = std::stod(line.substr(12)) / (1024.0 * 1024.0);
  }
  std::error_code ec;
  for (auto it = fs::directory_iterator(proc / "fd", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++s.fds;
  }
  // /proc/PID/stat: utime and stime are the 14th and 15th fields, after the ")" that ends
  // the command name (which may itself hold spaces).
  const std::string stat = read_all(proc / "stat");
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string x; rest >> x;) f.push_back(x);
    if (f.size() > 12) {
      const auto ticks = std::stoull(f[11]) + std::stoull(f[12]);
      s.cpu_s = static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  s.db_mb = file_mb(dir / "feedd.db");
  s.wal_mb = file_mb(dir / "feedd.db-wal");
  for (const auto& [name, v] : prom_values(dir)) {
    if (name.rfind("feedd_polls_total{", 0) == 0) s.polls += v;
    if (name == "feedd_entries_new_total") s.entries_new = v;
    if (name == "feedd_entries_updated_total") s.entries_updated = v;
    if (name == "feedd_gaps_total") s.gaps = v;
    if (name == "feedd_store_failures_total") s.store_failures = v;
  }
  return s;
}

void print_sample(const Sample& s) {
  std::printf("| %6.0f | %7.1f | %4d | %3d | %7.1f | %7.1f | %6.1f | %8.1f | %8llu | %7llu |\n", s.at, s.rss_mb,
              s.fds, s.threads, s.cpu_s, s.db_mb, s.wal_mb, s.written_mb, static_cast<unsigned long long>(s.polls),
              static_cast<unsigned long long>(s.entries_new));
  std::fflush(stdout);
}

// The daemon's polls so far by outcome (HTTP status or transfer error), from feedd.prom:
// " 200 12 304 3400 ...".
std::string poll_outcomes(const fs::path& dir) {
  std::string out;
  const std::string prefix = "feedd_polls_total{outcome=\"";
  for (const auto& [name, v] : prom_values(dir)) {
    if (name.rfind(prefix, 0) != 0) continue;
    out += " " + name.substr(prefix.size(), name.find('"', prefix.size()) - prefix.size()) + " " + std::to_string(v);
  }
  return out;
}

// The URL field of every entry line in every digest file (or in the one file named), with
// how often it occurs.
std::map<std::string, int> digest_urls(const fs::path& digest) {
  std::map<std::string, int> urls;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(digest, ec)) files.push_back(digest);
  for (const auto& e : fs::directory_iterator(digest, ec)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  for (const auto& file : files) {
    std::istringstream in(read_all(file));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const auto sep = line.rfind("  ");
      if (sep != std::string::npos) ++urls[line.substr(sep + 2)];
    }
  }
  return urls;
}

int wait_exit(pid_t pid, int timeout_s) {
  const auto until = Clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1000;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.feedd = self_dir() + "/../daemon/feedd";
  Args args("bench_soak [--feeds N] [--seconds S] [--sample S] [--kills K] [--feedd PATH] [--keep]", argc, argv);
  while (args.next()) {
    if (args.is("--feeds")) o.feeds = std::max(1, std::stoi(args.value()));
    else if (args.is("--seconds")) o.seconds = std::max(1, std::stoi(args.value()));
    else if (args.is("--sample")) o.sample = std::max(1, std::stoi(args.value()));
    else if (args.is("--kills")) o.kills = std::max(0, std::stoi(args.value()));
    else if (args.is("--feedd")) o.feedd = args.value();
    else if (args.is("--keep")) o.keep = true;
    else return args.usage();
  }

  const fs::path root = make_work_dir("soak");
  const fs::path docs = root / "feeds";
  const fs::path dir = root / "feedd";
  fs::create_directories(docs);
  fs::create_directories(dir);

  Rng rng(20261130);
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  std::vector<Feed> feeds(static_cast<std::size_t>(o.feeds));
  std::set<std::string> published;
  const std::int64_t start_s = now_s();
  for (int i = 0; i < o.feeds; ++i) {
    Feed& f = feeds[static_cast<std::size_t>(i)];
    f.index = i;
    f.atom = rng.below(10) < 3;
    f.file = docs / ("s" + std::to_string(i) + ".xml");
    for (int k = kWindow; k > 0; --k) {
      f.items.push_front(make_item(f, rng, start_s - k * 3600 - rng.below(3000)));
      published.insert(f.items.front().link);
    }
    replace_file(f.file, document(f));
  }
  // Broken for good: no file (404), a document cut off mid-entry, a web page.
  std::string cut = document(feeds[0]);
  write_file(docs / "truncated.xml", cut.substr(0, cut.size() / 2));
  write_file(docs / "page.xml", "<!DOCTYPE html><html><head><title>Moved</title></head><body><p>Our feed "
                                "moved.</p></body></html>\n");

  // Hostile, each on a server (so a host) of its own: the daemon spaces and limits polls
  // per host, and a server that holds its connections must not hold the others back.
  struct Hostile {
    const char* name;
    std::unique_ptr<feedd::test::HttpServer> server;
    std::string url;  // its one feed
  };
  std::vector<Hostile> hostile;
  {
    using feedd::test::response;
    const std::string valid = document(feeds[0]);
    std::string garbage;
    for (int i = 0; i < 8192; ++i) garbage += static_cast<char>(rng.below(256));
    const auto add = [&](const char* name, feedd::test::HttpResponse r) {
      auto server = std::make_unique<feedd::test::HttpServer>();
      server->add_endpoint("/feed.xml", std::move(r));
      std::string url = server->url("/feed.xml");
      hostile.push_back({name, std::move(server), std::move(url)});
    };
    auto hang = response(200, {}, valid);
    hang.delay = std::chrono::seconds(30);
    add("never answers", hang);
    auto trickle = response(200, {{"Content-Type", "application/rss+xml"}}, valid);
    trickle.trickle_bytes = 1;
    trickle.trickle_interval = std::chrono::seconds(1);
    add("trickles", trickle);
    auto hangup = response(200);
    hangup.close_without_response = true;
    add("hangs up", hangup);
    add("garbage", response(200, {{"Content-Type", "application/rss+xml"}}, garbage));
    add("gzip bomb", response(200, {{"Content-Encoding", "gzip"}, {"Content-Type", "application/rss+xml"}},
                              feedd::test::gzip(std::string(std::size_t{64} << 20, ' '))));
    add("over the cap", response(200, {{"Content-Type", "application/rss+xml"}},
                                 valid + std::string(std::size_t{2} << 20, ' ')));
    add("redirect loop", response(302, {{"Location", "/feed.xml"}}));
    add("redirect to ftp", response(301, {{"Location", "ftp://127.0.0.1/feed.xml"}}));
    add("always busy", response(503, {{"Retry-After", "3"}}, "busy"));
  }

  // The merged feed's title changes with each reload of phase 2.
  const auto write_config = [&](const std::string& title) {
    std::string cfg = "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\nlog_level = \"info\"\n"
                      "[schedule]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"10s\"\n"
                      "jitter_percent = 0\nhost_spacing = \"0s\"\nadaptive = false\n"
                      "[fetch]\ntimeout = \"5s\"\nlow_speed_time = \"3s\"\nmax_body_bytes = 1048576\n"
                      "[store]\nmax_entries_per_feed = 50\n[output]\ntitle = \"" + title + "\"\n";
    for (int i = 0; i < o.feeds; ++i) cfg += "[[feed]]\nurl = \"" + base + "s" + std::to_string(i) + ".xml\"\n";
    for (const char* broken : {"missing.xml", "truncated.xml", "page.xml"}) {
      cfg += "[[feed]]\nurl = \"" + base + broken + "\"\n";
    }
    for (const Hostile& h : hostile) cfg += "[[feed]]\nurl = \"" + h.url + "\"\n";
    replace_file(dir / "feedd.toml", cfg);
  };
  std::string title = "Soak";
  write_config(title);

  std::optional<Nginx> nginx;
  try {
    nginx.emplace(root / "nginx", docs, port, false);
  } catch (const std::exception& e) {
    std::cerr << "bench_soak: " << e.what() << "\n";
    return 1;
  }
  // The daemon's local midnight, 3 s into phase 2 (see the top): local time is UTC plus
  // `offset` seconds, east of Greenwich in POSIX's terms.
  const std::int64_t midnight = now_s() + o.seconds + 3;
  const std::int64_t offset = (86400 - midnight % 86400) % 86400;
  char zone[48];
  std::snprintf(zone, sizeof zone, "TZ=SOAK-%02lld:%02lld:%02lld", static_cast<long long>(offset / 3600),
                static_cast<long long>(offset / 60 % 60), static_cast<long long>(offset % 60));
  const auto local_day = [&](std::int64_t t) { return rfc3339(t + offset).substr(0, 10); };
  const std::string day_before = local_day(midnight - 1);
  const std::string day_after = local_day(midnight);
  const std::vector<std::string> env = {"no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1", zone};
  const std::vector<std::string> cmd = {o.feedd, "run", "-c", (dir / "feedd.toml").string()};
  const auto start_daemon = [&] { return spawn(cmd, env, dir / "feedd.log"); };

  // About a tenth of the feeds publish each second; a feed written in the last two
  // seconds waits (see the top).
  std::uint64_t edits = 0;
  const auto publish = [&] {
    const auto now = Clock::now();
    const int n = std::max(1, o.feeds / 10);
    for (int k = 0; k < n; ++k) {
      Feed& f = feeds[static_cast<std::size_t>(rng.below(o.feeds))];
      if (now - f.last_write < std::chrono::milliseconds(2100)) continue;
      const int fresh = 1 + rng.below(3);
      for (int j = 0; j < fresh; ++j) {
        f.items.push_front(make_item(f, rng, now_s()));
        published.insert(f.items.front().link);
      }
      while (f.items.size() > kWindow) f.items.pop_back();
      if (rng.below(10) == 0) {
        f.items[static_cast<std::size_t>(rng.below(kWindow / 2))].title = words(rng, 5);
        ++edits;
      }
      replace_file(f.file, document(f));
      f.last_write = now;
    }
  };

  std::printf("soak: %d feeds (+3 broken) polled every second from nginx on 127.0.0.1, and %zu hostile servers; a "
              "tenth publish 1-3 entries a second; %d s undisturbed, then %d kill -9s\n\n",
              o.feeds, hostile.size(), o.seconds, o.kills);
  std::printf("| s | RSS MB | fds | thr | CPU s | DB MB | WAL MB | disk writes MB | polls | new |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");

  // Phase 1: undisturbed.
  pid_t pid = start_daemon();
  const auto t0 = Clock::now();
  const auto since = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::vector<Sample> samples;
  auto next_publish = t0 + std::chrono::seconds(1);
  auto next_sample = t0 + std::chrono::seconds(o.sample);
  const auto phase1_end = t0 + std::chrono::seconds(o.seconds);
  bool died = false;
  while (Clock::now() < phase1_end && !died) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() >= next_publish) {
      publish();
      next_publish += std::chrono::seconds(1);
    }
    if (Clock::now() >= next_sample) {
      samples.push_back(sample(pid, dir, since()));
      print_sample(samples.back());
      next_sample += std::chrono::seconds(o.sample);
    }
    died = waitpid(pid, nullptr, WNOHANG) == pid;
  }
  if (died) {
    std::cerr << "bench_soak: feedd exited during the run (see " << (dir / "feedd.log").string() << ")\n";
    return 1;
  }

  const std::uint64_t phase1_edits = edits;
  const std::string phase1_outcomes = poll_outcomes(dir);

  // Phase 2: kill -9 at random moments while publishing goes on; before each, a SIGHUP
  // with a new title for the merged feed.
  for (int k = 0; k < o.kills; ++k) {
    const auto reload_at = Clock::now() + std::chrono::milliseconds(300 + rng.below(1000));
    const auto until = Clock::now() + std::chrono::milliseconds(2000 + rng.below(3500));
    bool reloaded = false;
    while (Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (Clock::now() >= next_publish) {
        publish();
        next_publish += std::chrono::seconds(1);
      }
      if (!reloaded && Clock::now() >= reload_at) {
        title = "Soak reload " + std::to_string(k + 1);
        write_config(title);
        kill(pid, SIGHUP);
        reloaded = true;
      }
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = start_daemon();
  }

  // The end: nothing new for a few polls, then SIGTERM.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  const Sample last = sample(pid, dir, since());
  kill(pid, SIGTERM);
  const int exit_status = wait_exit(pid, 30);
  const double total_s = since();
  nginx->stop();

  // Read back.
  const auto urls = digest_urls(dir / "out" / "digest");
  const std::size_t lines_before = digest_urls(dir / "out" / "digest" / (day_before + ".txt")).size();
  const std::size_t lines_after = digest_urls(dir / "out" / "digest" / (day_after + ".txt")).size();
  std::error_code link_ec;
  const std::string today = fs::read_symlink(dir / "out" / "digest" / "today", link_ec).string();
  const bool midnight_ok = lines_before > 0 && lines_after > 0 && today == day_after + ".txt";
  std::uint64_t missing = 0, repeated = 0, unknown = 0;
  for (const auto& link : published) {
    const auto it = urls.find(link);
    if (it == urls.end()) ++missing;
  }
  for (const auto& [url, count] : urls) {
    if (count > 1) repeated += static_cast<std::uint64_t>(count - 1);
    if (!published.count(url)) ++unknown;
  }
  std::uint64_t warnings = 0, errors = 0, log_lines = 0, reloads = 0;
  std::vector<std::uint64_t> hostile_lines(hostile.size());
  std::vector<std::string> hostile_error(hostile.size());
  std::vector<std::string> hostile_field;  // how a log line names each
  for (const Hostile& h : hostile) hostile_field.push_back("feed=" + h.url + " ");
  {
    std::ifstream log(dir / "feedd.log");
    for (std::string line; std::getline(log, line);) {
      ++log_lines;
      for (std::size_t h = 0; h < hostile.size(); ++h) {
        if (line.find(hostile_field[h]) == std::string::npos) continue;
        ++hostile_lines[h];
        if (const auto at = line.find("error=\""); at != std::string::npos) {
          hostile_error[h] = line.substr(at + 7, line.find('"', at + 7) - (at + 7));
        }
      }
      if (line.find(" reload=done ") != std::string::npos) ++reloads;
      if (line.find("level=warn") != std::string::npos) ++warnings;
      if (line.find("level=error") != std::string::npos || line.find("level=critical") != std::string::npos) {
        ++errors;
      }
    }
  }
  // The database once its WAL is folded in: what it holds, and its size.
  double db_mb = 0;
  long long entries = -1, tombstones = -1;
  {
    sqlite3* db = nullptr;
    if (sqlite3_open((dir / "feedd.db").c_str(), &db) == SQLITE_OK) {
      sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
      const auto count = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        long long n = -1;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
          n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return n;
      };
      entries = count("SELECT count(*) FROM entries");
      tombstones = count("SELECT count(*) FROM tombstones");
    }
    sqlite3_close(db);
    db_mb = file_mb(dir / "feedd.db");
  }
  const std::string merged = read_all(dir / "out" / "feed.atom");
  const bool titled = merged.find("<title>" + title + "</title>") != std::string::npos;
  const int merged_status = wait_exit(spawn({o.feedd, "parse", (dir / "out" / "feed.atom").string()}, env,
                                            root / "parse.log"),
                                      30);

  std::printf("\n");
  if (samples.size() >= 2) {
    const Sample& a = samples.front();
    const Sample& b = samples.back();
    const double polls = static_cast<double>(b.polls - a.polls);
    std::printf("undisturbed, from %.0f s to %.0f s: %.0f polls (%.0f a second; %.1f days of these feeds at a "
                "30-minute interval), %.2f ms CPU a poll\n",
                a.at, b.at, polls, polls / (b.at - a.at),
                polls / static_cast<double>(static_cast<std::size_t>(o.feeds) + 3 + hostile.size()) * 1800.0 / 86400.0,
                polls > 0 ? (b.cpu_s - a.cpu_s) * 1000.0 / polls : 0.0);
    std::printf("  disk writes %.1f kB a poll (WAL, checkpoints, outputs; as the kernel counts them, /proc/PID/io)\n",
                polls > 0 ? (b.written_mb - a.written_mb) * 1024.0 / polls : 0.0);
    std::printf("  entries updated %llu (%llu retitled by then), gaps (a poll finding no entry seen before) %llu, "
                "polls the store could not record %llu\n",
                static_cast<unsigned long long>(b.entries_updated), static_cast<unsigned long long>(phase1_edits),
                static_cast<unsigned long long>(b.gaps), static_cast<unsigned long long>(b.store_failures));
    // Growth that goes on shows as a second half larger than the first; memory that
    // levels off, as the same largest figure in both.
    const double middle = (a.at + b.at) / 2;
    double largest_first = 0, largest_second = 0;
    for (const Sample& x : samples) {
      double& largest = x.at <= middle ? largest_first : largest_second;
      largest = std::max(largest, x.rss_mb);
    }
    std::printf("  RSS %.1f -> %.1f MB (x%.2f; largest %.1f in the first half, %.1f in the second), fds %d -> %d, "
                "threads %d -> %d, WAL %.1f -> %.1f MB\n",
                a.rss_mb, b.rss_mb, a.rss_mb > 0 ? b.rss_mb / a.rss_mb : 0.0, largest_first, largest_second, a.fds,
                b.fds, a.threads, b.threads, a.wal_mb, b.wal_mb);
  }
  std::printf("SIGHUPs: %d sent, %llu reloads logged; the merged feed has the last title: %s\n", o.kills,
              static_cast<unsigned long long>(reloads), titled ? "yes" : "no");
  std::printf("after %d kill -9s: %llu entries published (%llu retitled), in the digest %zu; missing %llu, "
              "repeated %llu, unknown %llu\n",
              o.kills, static_cast<unsigned long long>(published.size()), static_cast<unsigned long long>(edits),
              urls.size(), static_cast<unsigned long long>(missing), static_cast<unsigned long long>(repeated),
              static_cast<unsigned long long>(unknown));
  std::printf("local midnight %d s in: the digest's %s has %zu entries, %s has %zu; today -> %s\n", o.seconds + 3,
              day_before.c_str(), lines_before, day_after.c_str(), lines_after,
              today.empty() ? "(none)" : today.c_str());
  std::printf("last process: RSS %.1f MB, fds %d; SIGTERM: exit %d; total %.0f s; merged feed.atom parses: %s\n",
              last.rss_mb, last.fds, exit_status, total_s, merged_status == 0 ? "yes" : "no");
  std::printf("database: %.1f MB with %lld entries (store.max_entries_per_feed 50) and %lld tombstones\n", db_mb,
              entries, tombstones);
  std::printf("log: %llu lines, %llu warnings, %llu errors (the broken feeds: when their error changes, and at "
              "each start)\n",
              static_cast<unsigned long long>(log_lines), static_cast<unsigned long long>(warnings),
              static_cast<unsigned long long>(errors));
  // Hostile servers: each must be polled all along (never dropped) and named in the log
  // with its cause. The counts show the pace its backoff or Retry-After allowed.
  std::printf("\n| hostile server | requests | log lines | last error logged |\n|---|---:|---:|---|\n");
  bool hostile_ok = true;
  for (std::size_t h = 0; h < hostile.size(); ++h) {
    const std::size_t requests = hostile[h].server->total_requests();
    std::printf("| %s | %zu | %llu | %s |\n", hostile[h].name, requests,
                static_cast<unsigned long long>(hostile_lines[h]), hostile_error[h].c_str());
    // At the 10 s most between polls, with a 5 s timeout: a request every 15 s at least.
    if (requests < static_cast<std::size_t>(total_s / 15.0) || hostile_lines[h] == 0 || hostile_error[h].empty()) {
      hostile_ok = false;
    }
  }
  std::printf("polls by outcome, phase 1:%s\n", phase1_outcomes.c_str());
  std::fflush(stdout);

  const bool ok = exit_status == 0 && missing == 0 && repeated == 0 && unknown == 0 && merged_status == 0 &&
                  titled && reloads == static_cast<std::uint64_t>(o.kills) && hostile_ok && midnight_ok;
  if (o.keep || !ok) {
    std::fprintf(stderr, "kept %s\n", root.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return ok ? 0 : 1;
}
