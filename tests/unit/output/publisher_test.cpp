// The outputs rendered from a real store file.

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <pugixml.hpp>

#include "output/publisher.hpp"
#include "store/store.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "unit/output/zone_guard.hpp"

using feedd::test::occurrences;
using feedd::Instant;
using feedd::output::Publisher;
using feedd::output::PublisherOptions;
using feedd::store::Store;

namespace {

const Instant kNoon{std::chrono::seconds{1740657600}};  // 2025-02-27T12:00:00Z

feedd::feed::Entry article(const std::string& link, const std::string& title, int minutes) {
  feedd::feed::Entry e;
  e.link = link;
  e.id = link;
  e.title = title;
  e.published = kNoon + std::chrono::minutes(minutes);
  return e;
}

struct Fixture {
  feedd::test::ZoneGuard zone{"UTC"};
  feedd::test::TempDir dir{"feedd-publisher"};
  std::filesystem::path db = dir.file("feedd.db");
  std::filesystem::path out = dir.file("out");
  std::unique_ptr<Store> store = open();

  std::unique_ptr<Store> open() {
    auto opened = Store::open(db);
    REQUIRE(opened.ok());
    return std::move(*opened);
  }

  PublisherOptions options() const {
    PublisherOptions o;
    o.output_dir = out;
    return o;
  }

  void poll(const std::string& url, const std::string& title, std::vector<feedd::feed::Entry> entries) {
    auto state = store->ensure_feed(url);
    REQUIRE(state.ok());
    state->title = title;
    feedd::feed::Feed parsed;
    parsed.format = "rss20";
    parsed.title = title;
    parsed.entries = std::move(entries);
    REQUIRE(store->commit_poll(*state, &parsed, kNoon + std::chrono::hours(1)).ok());
  }
};

}  // namespace

TEST_CASE("an entry appended to the digest just before a crash is written once after the restart") {
  Fixture f;
  f.poll("https://a.example/rss", "Wire A",
         {article("https://a.example/1", "One", 1), article("https://a.example/2", "Two", 2)});
  const Instant now = kNoon + std::chrono::hours(1);
  {
    // What write_digest does, stopped between the append and the store's record of it.
    feedd::output::Digest digest(f.out / "digest");
    REQUIRE(digest.append(f.store->undigested(100), now).ok());
  }
  f.store.reset();  // the process dies; the store never heard of the append
  f.store = f.open();

  f.poll("https://a.example/rss", "Wire A", {article("https://a.example/3", "Three", 3)});
  Publisher publisher(*f.store, f.options());
  REQUIRE(publisher.write_digest(now).ok());
  REQUIRE(publisher.write_digest(now).ok());  // nothing left to write

  const std::string text = feedd::test::read_file(f.out / "digest" / "2025-02-27.txt");
  CHECK(occurrences(text, "https://a.example/1\n") == 1);
  CHECK(occurrences(text, "https://a.example/2\n") == 1);
  CHECK(occurrences(text, "https://a.example/3\n") == 1);
  CHECK(occurrences(text, "\n") == 4);  // the header and three entries
  CHECK(f.store->undigested(100).empty());

  // And a later restart with nothing new writes nothing.
  Publisher again(*f.store, f.options());
  REQUIRE(again.write_digest(now).ok());
  CHECK(feedd::test::read_file(f.out / "digest" / "2025-02-27.txt") == text);
}

TEST_CASE("an article two feeds share appears once in the merged feed, the digest and the tag feeds") {
  Fixture f;
  const std::string shared = "https://news.example.org/2025/02/27/embassy-talks";
  f.poll("https://a.example/rss", "Wire A", {article(shared, "Embassy Talks", 5), article("https://a.example/x", "Only A", 1)});
  f.poll("https://b.example/atom", "Wire B",
         {article(shared + "?utm_source=b", "Embassy Talks (B)", 5), article("https://b.example/y", "Only B", 2)});
  auto options = f.options();
  options.tags = {{"both", {"https://a.example/rss", "https://b.example/atom"}}, {"b", {"https://b.example/atom"}}};
  Publisher publisher(*f.store, options);
  REQUIRE(publisher.write_digest(kNoon + std::chrono::hours(1)).ok());
  REQUIRE(publisher.write_feeds(kNoon + std::chrono::hours(1)).ok());

  for (const auto& file : {f.out / "feed.atom", f.out / "feed.rss", f.out / "tags" / "both.atom"}) {
    INFO(file.string());
    const std::string xml = feedd::test::read_file(file);
    CHECK(occurrences(xml, "Embassy Talks") == 1);  // one entry, under the title of the feed that brought it first
    CHECK(occurrences(xml, "<entry>") + occurrences(xml, "<item>") == 3);
  }
  const std::string b = feedd::test::read_file(f.out / "tags" / "b.rss");
  CHECK(occurrences(b, "Embassy Talks") == 1);  // B carried it too, though A brought it first
  CHECK(occurrences(b, "<item>") == 2);
  CHECK(occurrences(feedd::test::read_file(f.out / "digest" / "today"), shared) == 1);
}

TEST_CASE("an entry's id in the merged feed never changes, though another entry with its guid leaves the feed") {
  Fixture f;
  // A broken feed gives every article the same guid.
  const std::string guid = "https://a.example/";
  auto first = article("https://a.example/1", "One", 1);
  first.id = guid;
  auto second = article("https://a.example/2", "Two", 2);
  second.id = guid;
  f.poll("https://a.example/rss", "Wire A", {first, second});
  auto options = f.options();
  options.max_entries = 2;
  Publisher publisher(*f.store, options);
  REQUIRE(publisher.write_feeds(kNoon).ok());
  const auto ids = [&] {
    std::map<std::string, std::string> by_title;
    pugi::xml_document doc;
    REQUIRE(doc.load_file((f.out / "feed.atom").c_str()));
    for (auto e : doc.child("feed").children("entry")) by_title[e.child_value("title")] = e.child_value("id");
    return by_title;
  };
  const auto before = ids();
  REQUIRE(before.size() == 2);
  CHECK(before.at("One") == guid);  // stored first, it keeps its own id
  CHECK(before.at("Two") != guid);

  // A newer article pushes "One" out; "Two" keeps the id readers already have for it.
  f.poll("https://a.example/rss", "Wire A", {article("https://a.example/3", "Three", 3)});
  REQUIRE(publisher.write_feeds(kNoon).ok());
  const auto after = ids();
  REQUIRE(after.size() == 2);
  CHECK(after.count("One") == 0);
  CHECK(after.at("Two") == before.at("Two"));

  SUBCASE("and after a restart") {
    f.store.reset();
    f.store = f.open();
    Publisher again(*f.store, options);
    REQUIRE(again.write_feeds(kNoon + std::chrono::hours(2)).ok());
    CHECK(ids().at("Two") == before.at("Two"));
  }
}

TEST_CASE("the merged feed is rewritten only when its content changed") {
  Fixture f;
  f.poll("https://a.example/rss", "Wire A", {article("https://a.example/1", "One", 1)});
  Publisher publisher(*f.store, f.options());
  REQUIRE(publisher.write_feeds(kNoon).ok());
  const auto atom = f.out / "feed.atom";
  const auto first = std::filesystem::last_write_time(atom);
  std::filesystem::last_write_time(atom, first - std::chrono::hours(1));  // so a rewrite would show
  const auto aged = std::filesystem::last_write_time(atom);

  f.poll("https://a.example/rss", "Wire A", {article("https://a.example/1", "One", 1)});  // nothing new
  REQUIRE(publisher.write_feeds(kNoon).ok());
  CHECK(std::filesystem::last_write_time(atom) == aged);

  f.poll("https://a.example/rss", "Wire A", {article("https://a.example/2", "Two", 2)});
  REQUIRE(publisher.write_feeds(kNoon).ok());
  CHECK(std::filesystem::last_write_time(atom) != aged);
  CHECK(occurrences(feedd::test::read_file(atom), "<entry>") == 2);
}

TEST_CASE("a digest line names the entry's link, or its guid when it has no link") {
  Fixture f;
  feedd::feed::Entry linked = article("https://a.example/1", "Linked", 1);
  linked.id = "tag:a.example,2025:1";
  feedd::feed::Entry unlinked = article("", "Unlinked", 2);
  unlinked.id = "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66";
  f.poll("https://a.example/rss", "Wire A", {linked, unlinked});

  Publisher publisher(*f.store, f.options());
  REQUIRE(publisher.write_digest(kNoon + std::chrono::hours(1)).ok());
  const std::string text = feedd::test::read_file(f.out / "digest" / "2025-02-27.txt");
  CAPTURE(text);
  CHECK(occurrences(text, "  Linked  https://a.example/1\n") == 1);
  CHECK(occurrences(text, "  Unlinked  urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n") == 1);
  CHECK(occurrences(text, "tag:a.example") == 0);
}
