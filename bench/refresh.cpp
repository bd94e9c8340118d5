// bench_refresh: one refresh of N feeds served by nginx on 127.0.0.1, cold (empty state)
// and warm (nothing changed: every answer a 304), by feedd, sfeed and newsboat in the
// same run. Prints wall time, CPU time (user + system, the program and the processes it
// waited for) and peak RSS (the largest single process) for each.
//
//   bench_refresh [--feeds N] [--runs R] [--jobs J] [--feedd PATH] [--skip newsboat,sfeed]
//                 [--timeout SECONDS] [--keep] [--newsboat-default]
//                 [--entries E] [--entry-words W]
//
// Feeds are generated with a fixed seed (the same options give the same bytes), 70 % RSS
// 2.0 and 30 % Atom, 20 entries each (--entries), each entry's text 40 to 99 words
// (--entry-words W: W words, about 7 bytes each; large documents such as podcast feeds
// with long show notes, for the peak RSS). Every tool gets the same parallelism (--jobs, default
// 16: sfeed_update's own default): feedd fetch.max_host_connections, sfeed maxjobs,
// newsboat reload-threads. sfeed fetches with curl's --etag-save/--etag-compare (the
// ETag setup its documentation describes), so its warm round is conditional too.
// Within each run the tools take turns (feedd, sfeed, newsboat), so the machine's load
// changing between runs moves them alike; each figure is the median over the runs.
// Needs nginx, sfeed and newsboat (scripts/install-deps bench). Not a test.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/util.hpp"

namespace fs = std::filesystem;
using namespace feedd::bench;

namespace {

struct Options {
  int feeds = 1000;
  int runs = 3;
  int jobs = 16;
  int timeout_s = 900;
  std::string feedd;
  std::vector<std::string> skip;
  bool keep = false;              // keep the temporary directory (and nginx's access log) to inspect
  bool newsboat_default = false;  // also newsboat with its default reload-threads (1)
  int entries = 20;               // per feed
  int entry_words = 0;            // words of each entry's text; 0: 40 to 100
};

std::string feed_document(int index, Rng& rng, const Options& options) {
  const bool atom = rng.below(10) < 3;
  const std::string site = "https://site" + std::to_string(index) + ".example";
  const std::int64_t base = 1740000000 - rng.below(86400 * 30);
  std::ostringstream o;
  if (atom) {
    o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
      << "<title>Site " << index << ": " << words(rng, 3) << "</title>\n<id>" << site << "/</id>\n"
      << "<link href=\"" << site << "/\"/>\n<updated>" << rfc3339(base) << "</updated>\n";
  } else {
    o << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\n<title>Site " << index << ": "
      << words(rng, 3) << "</title>\n<link>" << site << "/</link>\n<description>" << words(rng, 12)
      << "</description>\n<language>en</language>\n";
  }
  for (int i = 0; i < options.entries; ++i) {
    const std::int64_t when = base - i * (600 + rng.below(7200));
    const std::string link =
        site + "/" + std::to_string(when / 86400) + "/" + std::to_string(i) + "-" + word(rng);
    const std::string title = words(rng, 4 + rng.below(6));
    const int text_words = options.entry_words > 0 ? options.entry_words - 10 : 30 + rng.below(60);
    std::string body = "<p>" + words(rng, text_words) + " &amp; " + words(rng, 10) + "</p><p><a href=\"" +
                       link + "\">" + words(rng, 3) + "</a></p>";
    if (atom) {
      o << "<entry><title>" << title << "</title><link href=\"" << link << "\"/><id>" << link << "</id><updated>"
        << rfc3339(when) << "</updated><author><name>" << words(rng, 2)
        << "</name></author><summary type=\"html\"><![CDATA[" << body << "]]></summary></entry>\n";
    } else {
      o << "<item><title>" << title << "</title><link>" << link << "</link><guid>" << link << "</guid><pubDate>"
        << rfc822(when) << "</pubDate><category>" << words(rng, 1) << "</category><description><![CDATA["
        << body << "]]></description></item>\n";
    }
  }
  o << (atom ? "</feed>\n" : "</channel></rss>\n");
  return o.str();
}

struct Measure {
  int status = -1;
  double wall = 0;
  double cpu = 0;
  double rss_mb = 0;
  bool timed_out = false;
};

Measure measure(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& log,
                int timeout_s) {
  Measure m;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn(argv, env, log);
  int status = 0;
  rusage ru{};
  for (;;) {
    const pid_t r = wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(timeout_s)) {
      kill(-pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      m.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
          static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  m.rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  m.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return m;
}

struct Row {
  std::string tool;
  std::string round;
  std::vector<Measure> runs;
  double wall() const {
    std::vector<double> v;
    for (const auto& m : runs) v.push_back(m.wall);
    return median(v);
  }
  double cpu() const {
    std::vector<double> v;
    for (const auto& m : runs) v.push_back(m.cpu);
    return median(v);
  }
  double rss() const {
    double r = 0;
    for (const auto& m : runs) r = std::max(r, m.rss_mb);
    return r;
  }
  std::string notes() const {
    std::string n;
    for (const auto& m : runs) {
      if (m.timed_out) n = "timed out";
      else if (m.status != 0 && n.empty()) n = "exit " + std::to_string(m.status);
    }
    return n;
  }
};

bool skipped(const Options& o, const std::string& tool) {
  return std::find(o.skip.begin(), o.skip.end(), tool) != o.skip.end();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.feedd = self_dir() + "/../daemon/feedd";
  Args args("bench_refresh [--feeds N] [--runs R] [--jobs J] [--feedd PATH] [--skip newsboat,sfeed] [--keep] "
            "[--newsboat-default] [--timeout S] [--entries E] [--entry-words W]",
            argc, argv);
  while (args.next()) {
    if (args.is("--feeds")) o.feeds = std::stoi(args.value());
    else if (args.is("--runs")) o.runs = std::stoi(args.value());
    else if (args.is("--jobs")) o.jobs = std::stoi(args.value());
    else if (args.is("--timeout")) o.timeout_s = std::stoi(args.value());
    else if (args.is("--feedd")) o.feedd = args.value();
    else if (args.is("--keep")) o.keep = true;
    else if (args.is("--newsboat-default")) o.newsboat_default = true;
    else if (args.is("--entries")) o.entries = std::stoi(args.value());
    else if (args.is("--entry-words")) o.entry_words = std::max(10, std::stoi(args.value()));
    else if (args.is("--skip")) {
      std::stringstream ss(args.value());
      for (std::string t; std::getline(ss, t, ',');) o.skip.push_back(t);
    } else {
      return args.usage();
    }
  }

  const fs::path root = make_work_dir("refresh");
  const fs::path docs = root / "feeds";
  fs::create_directories(docs);
  fs::create_directories(root / "home");

  // The corpus.
  Rng rng(20250227);
  std::vector<std::string> urls;
  const int port = free_port();
  std::uint64_t bytes = 0;
  for (int i = 0; i < o.feeds; ++i) {
    const std::string name = "f" + std::to_string(i) + ".xml";
    const std::string doc = feed_document(i, rng, o);
    bytes += doc.size();
    write_file(docs / name, doc);
    urls.push_back("http://127.0.0.1:" + std::to_string(port) + "/" + name);
  }

  // nginx, in the foreground of a child we own; stopped at the end.
  std::optional<Nginx> nginx;
  try {
    nginx.emplace(root / "nginx", docs, port, o.keep);
  } catch (const std::exception& e) {
    std::cerr << "bench_refresh: " << e.what() << "\n";
    return 1;
  }

  const std::vector<std::string> env = {"HOME=" + (root / "home").string(), "no_proxy=127.0.0.1",
                                        "NO_PROXY=127.0.0.1", "TZ=UTC"};
  // Each tool: a label, how to make its empty state for a run (returns the directory the
  // logs go to), and its command. The tools take turns within each run, so a change in
  // the machine's load touches them alike and the ratios stay fair.
  struct Tool {
    std::string name;
    std::function<fs::path()> prepare;
    std::vector<std::string> cmd;
  };
  std::vector<Tool> tools;

  // feedd
  {
    const fs::path dir = root / "feedd";
    tools.push_back({"feedd",
                     [&, dir] {
                       fs::remove_all(dir);
                       fs::create_directories(dir);
                       std::string cfg =
                           "[feedd]\ndatabase = \"feedd.db\"\noutput_dir = \"out\"\nlog_level = \"warn\"\n"
                           "[fetch]\nmax_host_connections = " + std::to_string(o.jobs) + "\n";
                       for (const auto& u : urls) cfg += "[[feed]]\nurl = \"" + u + "\"\n";
                       write_file(dir / "feedd.toml", cfg);
                       return dir;
                     },
                     {o.feedd, "once", "-c", (dir / "feedd.toml").string()}});
  }
  // sfeed
  if (!skipped(o, "sfeed")) {
    const fs::path dir = root / "sfeed";
    tools.push_back({"sfeed",
                     [&, dir] {
                       fs::remove_all(dir);
                       fs::create_directories(dir / "etags");
                       std::string rc = "sfeedpath=\"" + (dir / "feeds").string() + "\"\nmaxjobs=" +
                                        std::to_string(o.jobs) + "\nfetch() {\n\tetag=\"" +
                                        (dir / "etags").string() + "/$(printf '%s' \"$1\" | tr '/' '_')\"\n"
                                        "\tcurl -L --max-redirs 0 -H \"User-Agent:\" -f -s -m 15 "
                                        "--etag-compare \"$etag\" --etag-save \"$etag\" \"$2\" 2>/dev/null\n}\n"
                                        "feeds() {\n";
                       for (std::size_t i = 0; i < urls.size(); ++i) {
                         rc += "\tfeed \"f" + std::to_string(i) + "\" \"" + urls[i] + "\"\n";
                       }
                       rc += "}\n";
                       write_file(dir / "sfeedrc", rc);
                       return dir;
                     },
                     {"sfeed_update", (dir / "sfeedrc").string()}});
  }
  // newsboat: with the same parallelism, and (--newsboat-default) with its own default.
  const auto add_newsboat = [&](const std::string& label, int threads) {
    const fs::path dir = root / label;
    tools.push_back({label,
                     [&, dir, threads] {
                       fs::remove_all(dir);
                       fs::create_directories(dir);
                       std::string list;
                       for (const auto& u : urls) list += u + "\n";
                       write_file(dir / "urls", list);
                       write_file(dir / "config", "reload-threads " + std::to_string(threads) + "\n");
                       return dir;
                     },
                     {"newsboat", "-u", (dir / "urls").string(), "-C", (dir / "config").string(), "-c",
                      (dir / "cache.db").string(), "-x", "reload"}});
  };
  if (!skipped(o, "newsboat")) {
    add_newsboat("newsboat", o.jobs);
    if (o.newsboat_default) add_newsboat("newsboat-1-thread", 1);
  }

  std::vector<Row> rows;
  for (const auto& t : tools) {
    rows.push_back({t.name, "cold", {}});
    rows.push_back({t.name, "warm", {}});
  }
  for (int r = 0; r < o.runs; ++r) {
    for (std::size_t i = 0; i < tools.size(); ++i) {
      const fs::path state = tools[i].prepare();
      Row& cold = rows[2 * i];
      Row& warm = rows[2 * i + 1];
      cold.runs.push_back(measure(tools[i].cmd, env, state / "cold.log", o.timeout_s));
      warm.runs.push_back(measure(tools[i].cmd, env, state / "warm.log", o.timeout_s));
      std::cerr << tools[i].name << " run " << r + 1 << ": cold " << cold.runs.back().wall << " s, warm "
                << warm.runs.back().wall << " s\n";
    }
  }

  nginx->stop();

  // The table.
  std::map<std::string, double> feedd_wall;
  for (const auto& r : rows) {
    if (r.tool == "feedd") feedd_wall[r.round] = r.wall();
  }
  std::printf("refresh of %d feeds (%.1f MB, fixed seed) from nginx on 127.0.0.1; %d parallel transfers each; "
              "median of %d run%s\n\n",
              o.feeds, static_cast<double>(bytes) / 1e6, o.jobs, o.runs, o.runs == 1 ? "" : "s");
  std::printf("| tool | round | wall s | CPU s | peak RSS MB | wall vs feedd | notes |\n");
  std::printf("|---|---|---:|---:|---:|---:|---|\n");
  for (const auto& r : rows) {
    const double ratio = feedd_wall[r.round] > 0 ? r.wall() / feedd_wall[r.round] : 0;
    std::printf("| %s | %s | %.3f | %.3f | %.1f | %.1fx | %s |\n", r.tool.c_str(), r.round.c_str(), r.wall(),
                r.cpu(), r.rss(), ratio, r.notes().c_str());
  }
  std::fflush(stdout);

  if (o.keep) {
    std::fprintf(stderr, "kept %s\n", root.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
