#include "output/merged_feed.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include <pugixml.hpp>

#include "feedd/version.hpp"

namespace feedd::output {
namespace {

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
// What reader-facing XML we write: indented, no control characters (XML 1.0 cannot carry them).
constexpr unsigned kFormat = pugi::format_indent | pugi::format_skip_control_chars;

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

bool is_absolute_uri(const std::string& id) {
  const auto colon = id.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (id.find_first_of(" \t\r\n<>\"") != std::string::npos) return false;
  return std::all_of(id.begin(), id.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

// 64-bit FNV-1a: a stable, well-known hash; ids only need to be stable and distinct.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string tag_id(const store::StoredEntry& e) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(e.url_key)));
  return std::string("tag:feedd,2025:entry/") + hex;
}

// An entry shows its original id where the store fixed that for it (guid_is_id: no other
// entry took the guid first, anywhere in the store; Store::assign_ids) and the id is an
// absolute URI; otherwise a tag: URI derived from its URL key. Both are the same in every
// render, so an id readers know never changes. A document's ids are unique even for
// entries the store did not vouch for: a guid shown once falls back to the tag: id.
std::vector<std::string> entry_ids(const std::vector<store::StoredEntry>& entries) {
  std::unordered_set<std::string_view> shown;
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const auto& e : entries) {
    const bool keep = e.guid_is_id.value_or(false) && is_absolute_uri(e.guid) && shown.insert(e.guid).second;
    ids.push_back(keep ? e.guid : tag_id(e));
  }
  return ids;
}

Instant entry_time(const store::StoredEntry& e) { return e.published.value_or(e.first_seen); }
Instant entry_updated(const store::StoredEntry& e) {
  return std::max(e.updated.value_or(entry_time(e)), entry_time(e));
}

// The document's own updated time follows from its entries, so an unchanged set of
// entries renders byte for byte the same document.
Instant feed_updated(const std::vector<store::StoredEntry>& entries) {
  Instant newest{};
  for (const auto& e : entries) newest = std::max(newest, entry_updated(e));
  return newest;
}

std::string self_url(const MergedFeedMeta& meta, const char* extension) {
  if (meta.base_url.empty()) return {};
  std::string base = meta.base_url;
  if (base.back() != '/') base += '/';
  return base + meta.name + extension;
}

void add_text(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).text().set(text.c_str());
}

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", kFormat, pugi::encoding_utf8);
  return out.str();
}

}  // namespace

std::string render_atom(const std::vector<store::StoredEntry>& entries, const MergedFeedMeta& meta) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";

  auto feed = doc.append_child("feed");
  feed.append_attribute("xmlns") = kAtomNs;
  const std::string self = self_url(meta, ".atom");
  add_text(feed, "id", self.empty() ? "tag:feedd,2025:" + meta.name : self);
  add_text(feed, "title", meta.title);
  if (!meta.subtitle.empty()) add_text(feed, "subtitle", meta.subtitle);
  add_text(feed, "updated", format_rfc3339(feed_updated(entries)));
  if (!self.empty()) {
    auto link = feed.append_child("link");
    link.append_attribute("rel") = "self";
    link.append_attribute("type") = "application/atom+xml";
    link.append_attribute("href") = self.c_str();
  }
  add_text(feed.append_child("author"), "name", meta.title);
  auto generator = feed.append_child("generator");
  generator.append_attribute("uri") = kProjectUrl;
  generator.append_attribute("version") = kVersion;
  generator.text().set("feedd");

  const auto ids = entry_ids(entries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    auto entry = feed.append_child("entry");
    add_text(entry, "id", ids[i]);
    add_text(entry, "title", e.title);
    if (is_http_url(e.url)) {
      auto link = entry.append_child("link");
      link.append_attribute("rel") = "alternate";
      link.append_attribute("href") = e.url.c_str();
    }
    add_text(entry, "published", format_rfc3339(entry_time(e)));
    add_text(entry, "updated", format_rfc3339(entry_updated(e)));
    for (const auto& a : e.authors) {
      if (a.name.empty() && a.email.empty()) continue;
      auto author = entry.append_child("author");
      add_text(author, "name", a.name.empty() ? a.email : a.name);
      if (!a.email.empty()) add_text(author, "email", a.email);
      if (is_http_url(a.uri)) add_text(author, "uri", a.uri);
    }
    for (const auto& c : e.categories) {
      if (c.empty()) continue;
      entry.append_child("category").append_attribute("term") = c.c_str();
    }
    for (const auto& enc : e.enclosures) {
      if (!is_http_url(enc.url)) continue;
      auto link = entry.append_child("link");
      link.append_attribute("rel") = "enclosure";
      link.append_attribute("href") = enc.url.c_str();
      if (!enc.type.empty()) link.append_attribute("type") = enc.type.c_str();
      if (enc.length && *enc.length > 0) {
        link.append_attribute("length") = std::to_string(*enc.length).c_str();
      }
    }
    if (!e.summary.empty()) {
      auto summary = entry.append_child("summary");
      summary.append_attribute("type") = "html";
      summary.text().set(e.summary.c_str());
    }
    if (!e.content.empty()) {
      auto content = entry.append_child("content");
      content.append_attribute("type") = "html";
      content.text().set(e.content.c_str());
    }
    auto source = entry.append_child("source");
    add_text(source, "id", e.feed_url);
    add_text(source, "title", e.feed_title.empty() ? e.feed_url : e.feed_title);
    const std::string& source_link = is_http_url(e.feed_link) ? e.feed_link : e.feed_url;
    if (is_http_url(source_link)) {
      auto link = source.append_child("link");
      link.append_attribute("rel") = "alternate";
      link.append_attribute("href") = source_link.c_str();
    }
  }
  return to_string(doc);
}

std::string render_rss(const std::vector<store::StoredEntry>& entries, const MergedFeedMeta& meta) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";

  auto rss = doc.append_child("rss");
  rss.append_attribute("version") = "2.0";
  rss.append_attribute("xmlns:atom") = kAtomNs;
  rss.append_attribute("xmlns:content") = "http://purl.org/rss/1.0/modules/content/";
  rss.append_attribute("xmlns:dc") = "http://purl.org/dc/elements/1.1/";
  auto channel = rss.append_child("channel");
  add_text(channel, "title", meta.title);
  const std::string self = self_url(meta, ".rss");
  add_text(channel, "link", meta.base_url.empty() ? std::string(kProjectUrl) : meta.base_url);
  add_text(channel, "description", meta.subtitle.empty() ? meta.title : meta.subtitle);
  if (!self.empty()) {
    auto link = channel.append_child("atom:link");
    link.append_attribute("href") = self.c_str();
    link.append_attribute("rel") = "self";
    link.append_attribute("type") = "application/rss+xml";
  }
  add_text(channel, "lastBuildDate", format_rfc1123(feed_updated(entries)));
  add_text(channel, "generator", std::string("feedd ") + kVersion);

  const auto ids = entry_ids(entries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    auto item = channel.append_child("item");
    add_text(item, "title", e.title);
    if (is_http_url(e.url)) add_text(item, "link", e.url);
    auto guid = item.append_child("guid");
    guid.text().set(ids[i].c_str());
    guid.append_attribute("isPermaLink") = (ids[i] == e.url && is_http_url(e.url)) ? "true" : "false";
    add_text(item, "pubDate", format_rfc1123(entry_time(e)));
    for (const auto& a : e.authors) {
      if (!a.name.empty() || !a.email.empty()) add_text(item, "dc:creator", a.name.empty() ? a.email : a.name);
    }
    for (const auto& c : e.categories) {
      if (!c.empty()) add_text(item, "category", c);
    }
    for (const auto& enc : e.enclosures) {
      if (!is_http_url(enc.url)) continue;
      auto enclosure = item.append_child("enclosure");
      enclosure.append_attribute("url") = enc.url.c_str();
      enclosure.append_attribute("length") = std::to_string(enc.length.value_or(0)).c_str();
      enclosure.append_attribute("type") =
          enc.type.empty() ? "application/octet-stream" : enc.type.c_str();
    }
    const std::string& description = e.summary.empty() ? e.content : e.summary;
    if (!description.empty()) add_text(item, "description", description);
    if (!e.content.empty()) add_text(item, "content:encoded", e.content);
    auto source = item.append_child("source");
    source.append_attribute("url") = e.feed_url.c_str();
    source.text().set((e.feed_title.empty() ? e.feed_url : e.feed_title).c_str());
  }
  return to_string(doc);
}

Result<MergedWrite> write_merged_feed(const std::filesystem::path& dir,
                                      const std::vector<store::StoredEntry>& entries,
                                      const MergedFeedMeta& meta) {
  MergedWrite written;
  auto atom = write_atomically(dir / (meta.name + ".atom"), render_atom(entries, meta));
  if (!atom) return atom.error();
  written.atom = *atom;
  auto rss = write_atomically(dir / (meta.name + ".rss"), render_rss(entries, meta));
  if (!rss) return rss.error();
  written.rss = *rss;
  return written;
}

}  // namespace feedd::output
