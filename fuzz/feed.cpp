// Any bytes a server may send, through what feedd does with a feed document: parse it,
// key and hash its entries, keep their authors, categories and enclosures, write their
// digest lines and both merged documents.
//
// Checked for every input: an error is one line; every text field is valid UTF-8 without
// control characters (feed/model.hpp); a key is idempotent and has no space or control
// character; the kept extras read back as written; a digest line is one line; and both
// merged documents are well-formed XML with one item per entry.

#include <pugixml.hpp>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "feed/parser.hpp"
#include "feed/text.hpp"
#include "fuzz.hpp"
#include "output/digest.hpp"
#include "output/merged_feed.hpp"
#include "store/codec.hpp"
#include "store/content_hash.hpp"
#include "store/store.hpp"
#include "store/url_key.hpp"

namespace {

using namespace feedd;

constexpr std::array<const char*, 6> kContentTypes{
    "", "application/rss+xml", "application/atom+xml; charset=utf-8", "text/xml; charset=iso-8859-1",
    "application/xml; charset=windows-1251", "text/html; charset=utf-16"};

void check_text(std::string_view what, std::string_view s) {
  FUZZ_CHECK(fuzz::is_clean_text(s), std::string(what) + " is not clean text " + fuzz::first_unclean(s));
}

void check_key(std::string_view url) {
  const std::string key = store::url_key(url);
  if (key.empty()) return;
  for (const char c : key) {
    FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7F, "URL key with space or control: " + key);
  }
  FUZZ_CHECK(store::url_key("https:" + key) == key, "URL key is not its own key: " + key);
}

// XML 1.0's Char production: no C0 control but tab, newline and carriage return, and
// neither U+FFFE nor U+FFFF (surrogates are not valid UTF-8 to begin with).
bool is_xml_text(std::string_view s) {
  if (!feed::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 && u != '\t' && u != '\n' && u != '\r') return false;
    if (u == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE) {
      return false;
    }
  }
  return true;
}

std::size_t count_children(pugi::xml_node parent, const char* name) {
  std::size_t n = 0;
  for (pugi::xml_node c = parent.child(name); c; c = c.next_sibling(name)) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The Content-Type comes from the length, so that any feed document is an input as it is.
  feed::ParseOptions options;
  options.content_type = kContentTypes[size % kContentTypes.size()];
  options.base_url = "https://example.org/news/feed.xml";
  options.now = Instant(std::chrono::seconds(1'750'000'000));
  const auto parsed = feed::parse(std::string_view(reinterpret_cast<const char*>(data), size), options);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty(), "empty error");
    FUZZ_CHECK(fuzz::is_one_line(parsed.error().message) && feed::is_valid_utf8(parsed.error().message),
               "error is not one printable line: " + parsed.error().message);
    return 0;
  }
  const feed::Feed& f = *parsed;
  check_text("feed title", f.title);
  check_text("feed link", f.link);
  check_text("feed subtitle", f.subtitle);

  std::vector<store::StoredEntry> stored;
  std::set<std::string> keys;
  std::int64_t id = 0;
  for (const feed::Entry& e : f.entries) {
    check_text("id", e.id);
    check_text("link", e.link);
    check_text("title", e.title);
    check_text("summary", e.summary);
    check_text("content", e.content);
    for (const auto& p : e.authors) {
      check_text("author name", p.name);
      check_text("author email", p.email);
      check_text("author uri", p.uri);
    }
    for (const auto& c : e.categories) check_text("category", c);
    for (const auto& x : e.enclosures) {
      check_text("enclosure url", x.url);
      check_text("enclosure type", x.type);
    }
    check_key(e.link);
    check_key(e.id);
    (void)store::content_hash(e);

    const std::string extra = store::codec::encode_extra(e.authors, e.categories, e.enclosures);
    const store::codec::Extra back = store::codec::decode_extra(extra);
    FUZZ_CHECK(back.categories == e.categories, "categories do not read back: " + extra);
    FUZZ_CHECK(back.authors.size() == e.authors.size() && back.enclosures.size() == e.enclosures.size(),
               "extras do not read back: " + extra);

    // The store keeps one entry per key, as here.
    const std::string key = store::entry_key(1, e);
    FUZZ_CHECK(!key.empty(), "an entry without a key");
    if (!keys.insert(key).second) continue;
    store::StoredEntry s;
    s.id = ++id;
    s.url_key = key;
    s.url = e.link;
    s.guid = e.id;
    s.guid_is_id = true;  // as if the store gave every entry its guid: the document still shows each once
    s.title = e.title;
    s.summary = e.summary;
    s.content = e.content;
    s.published = e.published;
    s.updated = e.updated;
    s.first_seen = *options.now;
    s.authors = back.authors;
    s.categories = back.categories;
    s.enclosures = back.enclosures;
    s.feed_url = options.base_url;
    s.feed_title = f.title;
    s.feed_link = f.link;
    const std::string line = output::digest_line(s);
    FUZZ_CHECK(fuzz::is_one_line(line) && feed::is_valid_utf8(line), "digest line is not one line: " + line);
    stored.push_back(std::move(s));
  }

  output::MergedFeedMeta meta;
  meta.base_url = "https://feeds.example.net/";
  for (const bool atom : {true, false}) {
    const std::string doc = atom ? output::render_atom(stored, meta) : output::render_rss(stored, meta);
    FUZZ_CHECK(is_xml_text(doc), std::string(atom ? "Atom" : "RSS") + " output has a character XML forbids");
    pugi::xml_document xml;
    const auto loaded = xml.load_buffer(doc.data(), doc.size(), pugi::parse_default, pugi::encoding_utf8);
    FUZZ_CHECK(loaded, std::string(atom ? "Atom" : "RSS") + " output is not XML: " + loaded.description());
    const std::size_t items = atom ? count_children(xml.child("feed"), "entry")
                                   : count_children(xml.child("rss").child("channel"), "item");
    FUZZ_CHECK(items == stored.size(), std::string(atom ? "Atom" : "RSS") + " output lost entries");
    if (atom) {
      std::set<std::string> ids;
      for (auto entry : xml.child("feed").children("entry")) {
        FUZZ_CHECK(ids.insert(entry.child_value("id")).second, std::string("Atom id twice: ") + entry.child_value("id"));
      }
    }
  }
  return 0;
}
