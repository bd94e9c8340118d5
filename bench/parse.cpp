// bench_parse: parser throughput on a generated corpus, beside python3-feedparser and a
// bare pugixml load of the same bytes, measured in the same run.
//
//   bench_parse [--feeds N] [--rounds R] [--seed S] [--keep DIR] [--no-peer]
//
// The corpus is RSS 2.0, Atom 1.0 and RSS 1.0 feeds of 20-100 entries with 1-3 KB HTML
// descriptions, generated from a fixed seed and written to a temporary directory so the
// peer reads exactly the bytes we parse. Prints MB/s and feeds/s for each (per second of
// CPU time), and the ratios against the targets (50x feedparser, 40 % of the bare
// pugixml load).

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "feed/parser.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::array<const char*, 24> kWords{
    "market", "city",   "council", "report", "energy", "science", "budget",  "health",
    "school", "river",  "storm",   "vote",   "study",  "company", "players", "season",
    "museum", "space",  "policy",  "court",  "rail",   "climate", "music",   "election"};

struct Generator {
  std::mt19937 rng;

  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  const char* word() { return kWords[static_cast<std::size_t>(between(0, kWords.size() - 1))]; }

  std::string sentence(int words) {
    std::string s;
    for (int i = 0; i < words; ++i) {
      if (i) s += ' ';
      s += word();
    }
    s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }

  // 1-3 KB of article HTML: paragraphs, links, emphasis, an image, the odd entity.
  std::string html(bool xhtml = false) {
    const int target = between(1024, 3072);
    std::string h;
    while (static_cast<int>(h.size()) < target) {
      h += "<p>" + sentence(between(8, 20)) + " <a href=\"https://news.example.com/" + word() + "/" +
           std::to_string(between(1000, 99999)) + "\">" + word() + "</a> " + sentence(between(5, 15)) +
           " <em>" + word() + "</em> &amp; " + sentence(between(3, 9)) + ".</p>\n";
      if (between(0, 4) == 0) {
        h += "<p><img src=\"https://cdn.example.com/img/" + std::to_string(between(1, 1 << 20)) +
             ".jpg\" alt=\"" + word() + "\" width=\"640\" height=\"360\"" + (xhtml ? "/>" : ">") + "</p>\n";
      }
    }
    return h;
  }

  static std::string escape(const std::string& s) {
    std::string out;
    out.reserve(s.size() * 6 / 5);
    for (char c : s) {
      if (c == '<') out += "&lt;";
      else if (c == '>') out += "&gt;";
      else if (c == '&') out += "&amp;";
      else if (c == '"') out += "&quot;";
      else out += c;
    }
    return out;
  }

  std::string date(int i) {
    static constexpr std::array<const char*, 7> kDays{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d Mar 2025 %02d:%02d:%02d %s", kDays[static_cast<std::size_t>(i % 7)],
                  1 + i % 28, between(0, 23), between(0, 59), between(0, 59), between(0, 1) ? "GMT" : "+0100");
    return buf;
  }

  std::string iso(int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "2025-03-%02dT%02d:%02d:%02d%s", 1 + i % 28, between(0, 23), between(0, 59),
                  between(0, 59), between(0, 1) ? "Z" : ".250+02:00");
    return buf;
  }

  std::string rss20(int n) {
    std::string d = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
                    "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
                    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                    "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n";
    d += "<title>" + sentence(4) + "</title>\n<link>https://news.example.com/</link>\n";
    d += "<description>" + sentence(10) + "</description>\n<language>en</language>\n";
    d += "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"https://news.example.com/rss\"/>\n";
    d += "<lastBuildDate>" + date(0) + "</lastBuildDate>\n<ttl>30</ttl>\n";
    for (int i = 0; i < n; ++i) {
      const std::string slug = std::to_string(between(100000, 999999));
      d += "<item>\n<title>" + sentence(between(5, 12)) + "</title>\n";
      d += "<link>https://news.example.com/story/" + slug + "</link>\n";
      d += "<guid isPermaLink=\"true\">https://news.example.com/story/" + slug + "</guid>\n";
      d += "<pubDate>" + date(i) + "</pubDate>\n<dc:creator>" + sentence(2) + "</dc:creator>\n";
      d += "<category>" + std::string(word()) + "</category>\n";
      if (between(0, 1)) {
        d += "<description><![CDATA[" + html() + "]]></description>\n";
      } else {
        d += "<description>" + escape(html()) + "</description>\n";
      }
      if (between(0, 3) == 0) {
        d += "<enclosure url=\"https://cdn.example.com/a/" + slug + ".mp3\" length=\"" +
             std::to_string(between(100000, 9000000)) + "\" type=\"audio/mpeg\"/>\n";
      }
      d += "</item>\n";
    }
    return d + "</channel>\n</rss>\n";
  }

  std::string atom(int n) {
    std::string d = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    d += "<title>" + sentence(4) + "</title>\n<subtitle>" + sentence(9) + "</subtitle>\n";
    d += "<link rel=\"alternate\" type=\"text/html\" href=\"https://blog.example.org/\"/>\n";
    d += "<link rel=\"self\" href=\"https://blog.example.org/feed.atom\"/>\n";
    d += "<id>https://blog.example.org/</id>\n<updated>" + iso(0) + "</updated>\n";
    d += "<author><name>" + sentence(2) + "</name><uri>https://blog.example.org/about</uri></author>\n";
    for (int i = 0; i < n; ++i) {
      const std::string slug = std::to_string(between(100000, 999999));
      d += "<entry>\n<title type=\"html\">" + sentence(between(5, 12)) + "</title>\n";
      d += "<link rel=\"alternate\" type=\"text/html\" href=\"https://blog.example.org/" + slug + "\"/>\n";
      d += "<id>tag:blog.example.org,2025:" + slug + "</id>\n";
      d += "<published>" + iso(i) + "</published>\n<updated>" + iso(i) + "</updated>\n";
      d += "<category term=\"" + std::string(word()) + "\"/>\n";
      d += "<summary>" + sentence(between(15, 30)) + "</summary>\n";
      if (between(0, 2) == 0) {
        d += "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">" + html(true) + "</div></content>\n";
      } else {
        d += "<content type=\"html\">" + escape(html()) + "</content>\n";
      }
      d += "</entry>\n";
    }
    return d + "</feed>\n";
  }

  std::string rdf(int n) {
    std::string d = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF "
                    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns=\"http://purl.org/rss/1.0/\">\n";
    d += "<channel rdf:about=\"https://science.example.net/rss\">\n<title>" + sentence(3) +
         "</title>\n<link>https://science.example.net/</link>\n<description>" + sentence(8) +
         "</description>\n<dc:date>" + iso(0) + "</dc:date>\n</channel>\n";
    for (int i = 0; i < n; ++i) {
      const std::string slug = std::to_string(between(100000, 999999));
      d += "<item rdf:about=\"https://science.example.net/a/" + slug + "\">\n<title>" + sentence(between(5, 12)) +
           "</title>\n<link>https://science.example.net/a/" + slug + "</link>\n";
      d += "<description>" + escape(html()) + "</description>\n";
      d += "<dc:creator>" + sentence(2) + "</dc:creator>\n<dc:date>" + iso(i) + "</dc:date>\n";
      d += "<dc:subject>" + std::string(word()) + "</dc:subject>\n</item>\n";
    }
    return d + "</rdf:RDF>\n";
  }
};

struct Figures {
  double seconds = 0;
  std::size_t bytes = 0;
  std::size_t feeds = 0;
  double mb_per_s() const { return static_cast<double>(bytes) / 1e6 / seconds; }
  double feeds_per_s() const { return static_cast<double>(feeds) / seconds; }
};

// CPU time of this process: on a busy machine, wall time measures the other processes
// too. (The peer script measures its CPU time the same way.)
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds_of(const std::function<void()>& f) {
  const double start = cpu_seconds();
  f();
  return cpu_seconds() - start;
}

void print(const char* name, const Figures& f) {
  std::printf("%-22s %9.1f MB/s %10.0f feeds/s   (%.3f s for %zu feeds, %.1f MB)\n", name, f.mb_per_s(),
              f.feeds_per_s(), f.seconds, f.feeds, static_cast<double>(f.bytes) / 1e6);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  int feeds = 90;
  int rounds = 15;
  unsigned seed = 20250227;
  bool peer = true;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--feeds" && i + 1 < argc) feeds = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else if (a == "--keep" && i + 1 < argc) keep = argv[++i];
    else if (a == "--no-peer") peer = false;
    else {
      std::fprintf(stderr, "usage: bench_parse [--feeds N] [--rounds R] [--seed S] [--keep DIR] [--no-peer]\n");
      return 2;
    }
  }

  Generator gen{std::mt19937(seed)};
  std::vector<std::string> docs;
  std::size_t entries = 0;
  for (int i = 0; i < feeds; ++i) {
    const int n = gen.between(20, 100);
    entries += static_cast<std::size_t>(n);
    switch (i % 3) {
      case 0: docs.push_back(gen.rss20(n)); break;
      case 1: docs.push_back(gen.atom(n)); break;
      default: docs.push_back(gen.rdf(n)); break;
    }
  }
  std::size_t total = 0;
  for (const auto& d : docs) total += d.size();

  const fs::path dir = keep.empty() ? fs::temp_directory_path() / ("feedd-bench-parse-" + std::to_string(seed))
                                    : fs::path(keep);
  fs::create_directories(dir);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const fs::path p = dir / ("feed" + std::to_string(i) + ".xml");
    std::ofstream(p, std::ios::binary) << docs[i];
    paths.push_back(p.string());
  }
  std::printf("corpus: %d feeds (RSS 2.0, Atom 1.0, RSS 1.0), %zu entries, %.1f MB, seed %u\n\n", feeds, entries,
              static_cast<double>(total) / 1e6, seed);

  // Ours: feed::parse, everything from bytes to the Feed model.
  std::size_t parsed_entries = 0;
  Figures ours{1e300, total, docs.size()};
  const auto run_ours = [&] {
    parsed_entries = 0;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      // As the daemon calls it: with the URL the feed was fetched from.
      feedd::feed::ParseOptions options;
      options.base_url = "https://feeds.example.com/feed" + std::to_string(i) + ".xml";
      auto result = feedd::feed::parse(docs[i], options);
      if (!result) {
        std::fprintf(stderr, "bench_parse: parse failed: %s\n", result.error().message.c_str());
        std::exit(1);
      }
      parsed_entries += result->entries.size();
    }
  };
  // Bare pugixml: copy the bytes into a buffer and load them, nothing else.
  Figures bare{1e300, total, docs.size()};
  const auto run_bare = [&] {
    for (const auto& d : docs) {
      std::string buffer = d;
      pugi::xml_document doc;
      const auto r = doc.load_buffer_inplace(buffer.data(), buffer.size(), pugi::parse_default, pugi::encoding_utf8);
      if (!r) {
        std::fprintf(stderr, "bench_parse: pugixml refused a generated feed: %s\n", r.description());
        std::exit(1);
      }
    }
  };
  // Rounds alternate between the two so that a busy machine slows both alike; the
  // fastest round of each counts.
  for (int r = 0; r < rounds; ++r) {
    ours.seconds = std::min(ours.seconds, seconds_of(run_ours));
    bare.seconds = std::min(bare.seconds, seconds_of(run_bare));
  }

  if (parsed_entries != entries) {
    std::fprintf(stderr, "bench_parse: parsed %zu entries, generated %zu\n", parsed_entries, entries);
    return 1;
  }
  print("feedd feed::parse", ours);
  print("pugixml load only", bare);

  double peer_ratio = 0;
  if (peer) {
    // The peer script sits beside this source file (CMake compiles it by absolute path).
    const fs::path script = fs::path(__FILE__).parent_path() / "parse_feedparser.py";
    std::string cmd = "/usr/bin/python3 " + shell_quote(script.string());
    for (const auto& p : paths) cmd += " " + shell_quote(p);
    std::FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    if (pipe) {
      std::array<char, 4096> buf{};
      while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
      pclose(pipe);
    }
    const auto pos = out.find("\"seconds\": ");
    if (pos == std::string::npos) {
      std::printf("python3-feedparser      not available (needs /usr/bin/python3 with python3-feedparser)\n");
    } else {
      Figures fp{std::strtod(out.c_str() + pos + 11, nullptr), total, docs.size()};
      const auto vpos = out.find("\"version\": \"");
      const std::string version = vpos == std::string::npos ? "?" : out.substr(vpos + 12, out.find('"', vpos + 12) - vpos - 12);
      print(("feedparser " + version).c_str(), fp);
      peer_ratio = fp.seconds / ours.seconds;
    }
  }

  std::printf("\n");
  if (peer_ratio > 0) {
    std::printf("feedd / feedparser:     %6.1fx   (target: at least 50x)  %s\n", peer_ratio,
                peer_ratio >= 50 ? "met" : "NOT MET");
  }
  const double bare_ratio = bare.seconds / ours.seconds;
  std::printf("feedd / bare pugixml:   %6.1f %%  (target: at least 40 %%) %s\n", 100 * bare_ratio,
              bare_ratio >= 0.4 ? "met" : "NOT MET");
  if (keep.empty()) fs::remove_all(dir);
  return 0;
}
