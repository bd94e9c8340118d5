// Real consumers read the merged feed: xmllint against the RFC 4287 schema, Python's
// feedparser, newsboat and sfeed. Each is a Debian package that scripts/install-deps
// installs.

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <map>
#include <vector>
#include <sstream>
#include <set>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "integration/output/merged_setup.hpp"

using feedd::test::output::kHostileTitle;
using feedd::test::output::kSharedLink;
using feedd::test::output::MergedOutput;
using feedd::test::read_file;

namespace {

std::string schema() { return std::string(FEEDD_FIXTURES) + "/output/atom.rng"; }

std::int64_t epoch(feedd::Instant t) { return t.time_since_epoch().count(); }

std::int64_t entry_date(const feedd::store::StoredEntry& e) { return epoch(e.published.value_or(e.first_seen)); }

// feedparser's view of a feed, as JSON: bozo, and each entry's link, title, id and dates.
constexpr const char* kFeedparserScript = R"(
import calendar, json, sys
import feedparser
d = feedparser.parse(sys.argv[1])
def when(t):
    return calendar.timegm(t) if t else None
print(json.dumps({
    "bozo": int(d.bozo),
    "exception": repr(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "entries": [{"link": e.get("link"), "title": e.get("title"), "id": e.get("id"),
                 "published": when(e.get("published_parsed")),
                 "updated": when(e.get("updated_parsed")),
                 "source": e.get("source", {}).get("title")} for e in d.entries]}))
)";

nlohmann::json feedparser(const std::filesystem::path& file) {
  auto r = feedd::test::run({"/usr/bin/python3", "-c", kFeedparserScript, file.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("the merged Atom feeds validate against the RFC 4287 RELAX NG schema with xmllint") {
  MergedOutput m;
  for (const auto& file : {m.out / "feed.atom", m.out / "tags" / "wire-a.atom", m.out / "tags" / "b.atom"}) {
    auto r = feedd::test::run({"/usr/bin/xmllint", "--noout", "--relaxng", schema(), file.string()});
    INFO(file.string() << "\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("validates") != std::string::npos);
  }
  SUBCASE("and xmllint does reject a merged feed that breaks the schema") {
    std::string broken = read_file(m.out / "feed.atom");
    broken.replace(broken.find("<updated>"), 9, "<updated>not a date");
    const auto file = m.dir.write("broken.atom", broken);
    auto r = feedd::test::run({"/usr/bin/xmllint", "--noout", "--relaxng", schema(), file.string()});
    CHECK(r.exit_code != 0);
  }
}

TEST_CASE("the merged feed meets what the schema cannot check: links, a feed author, UTC dates, escaped ampersands") {
  MergedOutput m;
  const std::string atom = read_file(m.out / "feed.atom");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(atom.c_str()));
  auto feed = doc.child("feed");
  CHECK(std::string(feed.attribute("xmlns").value()) == "http://www.w3.org/2005/Atom");
  CHECK(std::string(feed.child_value("title")) == "All the news & more");
  CHECK(std::string(feed.child("author").child_value("name")).size() > 0);
  CHECK(std::string(feed.child("link").attribute("href").value()) == "http://127.0.0.1/feeds/feed.atom");
  std::vector<std::string> ids;
  for (auto entry : feed.children("entry")) {
    const std::string id = entry.child_value("id");
    INFO(id);
    ids.push_back(id);
    bool alternate = false;
    for (auto link : entry.children("link")) {
      const std::string href = link.attribute("href").value();
      CHECK((href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0));
      alternate = alternate || std::string(link.attribute("rel").value()) == "alternate";
    }
    CHECK((alternate || entry.child("content")));
    for (const char* name : {"published", "updated"}) {
      const std::string date = entry.child_value(name);
      CHECK(date.size() == 20);  // YYYY-MM-DDTHH:MM:SSZ: UTC, no fraction
      CHECK(date.back() == 'Z');
    }
    CHECK(std::string(entry.child_value("updated")) >= std::string(entry.child_value("published")));
    CHECK(entry.child("source").child("id"));
    CHECK(entry.child("source").child("title"));
  }
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  // Every & in the text is escaped: each one starts an entity reference.
  for (auto pos = atom.find('&'); pos != std::string::npos; pos = atom.find('&', pos + 1)) {
    const auto end = atom.find(';', pos);
    REQUIRE(end != std::string::npos);
    const std::string ref = atom.substr(pos, end - pos + 1);
    INFO(ref);
    CHECK((ref == "&amp;" || ref == "&lt;" || ref == "&gt;" || ref == "&quot;" || ref == "&apos;"));
  }
  CHECK(atom.find(kHostileTitle) == std::string::npos);  // it is there only escaped
}

TEST_CASE("python feedparser reads both merged feeds cleanly, with every entry's link, title and date") {
  MergedOutput m;
  for (const auto& file : {m.out / "feed.atom", m.out / "feed.rss"}) {
    const auto parsed = feedparser(file);
    INFO(file.string() << "\n" << parsed.dump(1));
    CHECK(parsed["bozo"] == 0);
    CHECK(parsed["title"] == "All the news & more");
    const auto& entries = parsed["entries"];
    REQUIRE(entries.size() == m.entries.size());
    std::size_t shared = 0;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      const auto& want = m.entries[i];
      const auto& got = entries[i];
      CHECK(got["link"] == want.url);
      CHECK(got["title"] == want.title);
      CHECK(got["published"] == entry_date(want));
      CHECK(got["source"].is_string());
      // Whichever feed carried it first gives its link (one has a tracking parameter).
      shared += got["link"].get<std::string>().rfind(kSharedLink, 0) == 0 ? 1 : 0;
    }
    CHECK(shared == 1);
    bool hostile = false;
    for (const auto& e : entries) hostile = hostile || e["title"] == kHostileTitle;
    CHECK(hostile);
  }
}

TEST_CASE("newsboat loads the merged feed from a file URL and caches every entry") {
  MergedOutput m;
  const auto home = m.dir.file("home");
  std::filesystem::create_directories(home);
  const auto atom = m.out / "feed.atom";
  m.dir.write("newsboat-urls", "file://" + atom.string() + "\n");
  m.dir.write("newsboat-config", "");
  const auto cache = m.dir.file("newsboat-cache.db");
  auto r = feedd::test::run({"/usr/bin/env", "HOME=" + home.string(), "TERM=dumb", "/usr/bin/newsboat",
                             "-u", m.dir.file("newsboat-urls").string(), "-C", m.dir.file("newsboat-config").string(),
                             "-c", cache.string(), "-x", "reload"},
                            std::chrono::seconds(60));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(cache.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT url, title, pubDate FROM rss_item", -1, &q, nullptr) == SQLITE_OK);
  std::map<std::string, std::pair<std::string, std::int64_t>> cached;  // url -> title, date
  while (sqlite3_step(q) == SQLITE_ROW) {
    auto text = [&](int col) {
      const auto* t = sqlite3_column_text(q, col);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    cached[text(0)] = {text(1), sqlite3_column_int64(q, 2)};
  }
  sqlite3_finalize(q);
  sqlite3_close(db);

  CHECK(cached.size() == m.entries.size());
  for (const auto& e : m.entries) {
    INFO(e.url);
    REQUIRE(cached.count(e.url) == 1);
    CHECK(cached[e.url].first == e.title);
    CHECK(cached[e.url].second == entry_date(e));
  }
}

TEST_CASE("sfeed reads both merged feeds, one line per entry with its date, title, link and id") {
  MergedOutput m;
  for (const auto& file : {m.out / "feed.atom", m.out / "feed.rss"}) {
    INFO(file.string());
    // sfeed reads the document on stdin and writes a TSV line per entry (sfeed(5)):
    // UNIX time, title, link, content, content type, id, author, enclosure, categories.
    auto r = feedd::test::run({"/bin/sh", "-c", "exec /usr/bin/sfeed < \"$0\"", file.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      std::vector<std::string> fields;
      std::size_t from = 0;
      for (std::size_t tab; (tab = line.find('\t', from)) != std::string::npos; from = tab + 1) {
        fields.push_back(line.substr(from, tab - from));
      }
      fields.push_back(line.substr(from));
      REQUIRE(fields.size() >= 6);
      rows.push_back(std::move(fields));
    }
    REQUIRE(rows.size() == m.entries.size());
    std::set<std::string> ids;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      const auto& want = m.entries[i];
      CAPTURE(want.url);
      CHECK(rows[i][0] == std::to_string(entry_date(want)));
      CHECK(rows[i][1] == want.title);
      CHECK(rows[i][2] == want.url);
      CHECK_FALSE(rows[i][5].empty());
      ids.insert(rows[i][5]);
    }
    CHECK(ids.size() == rows.size());  // no two entries share an id
  }
}
