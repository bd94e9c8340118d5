#include "config/opml.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <pugixml.hpp>

#include "feed/text.hpp"

namespace feedd::config {
namespace {

// Attribute names differ in case between writers (xmlUrl, xmlurl, XMLURL).
std::string attribute(const pugi::xml_node& node, std::string_view name) {
  for (const auto& a : node.attributes()) {
    const std::string_view n = a.name();
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
        })) {
      return feed::clean_text(a.value());  // the file's bytes: anything, not only UTF-8
    }
  }
  return {};
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// Each part of `text` between ',' and '/' is a tag: how a category attribute lists them
// ("news,tech", "/news/world"), and so how a folder's name is read too, so that no tag
// holds a separator that write_opml's category attribute could not give back.
void add_tags(std::vector<std::string>& tags, std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find_first_of(",/", start), text.size());
    std::string tag = trim(text.substr(start, end - start));
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
    start = end + 1;
  }
}

void walk(const pugi::xml_node& parent, std::vector<std::string>& folders, std::vector<OpmlFeed>& out) {
  for (const auto& outline : parent.children("outline")) {
    const std::string url = trim(attribute(outline, "xmlUrl"));
    std::string title = trim(attribute(outline, "title"));
    if (title.empty()) title = trim(attribute(outline, "text"));
    if (url.empty()) {
      if (title.empty()) {
        walk(outline, folders, out);
      } else {
        folders.push_back(title);
        walk(outline, folders, out);
        folders.pop_back();
      }
      continue;
    }
    OpmlFeed feed;
    feed.url = url;
    if (title != url) feed.title = title;
    for (const auto& folder : folders) add_tags(feed.tags, folder);
    add_tags(feed.tags, attribute(outline, "category"));
    out.push_back(std::move(feed));
  }
}

}  // namespace

Result<std::vector<OpmlFeed>> parse_opml(std::string_view text) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_auto);
  if (!parsed) {
    return make_error(std::string("not XML: ") + parsed.description() + " at byte " +
                      std::to_string(parsed.offset));
  }
  const auto root = doc.document_element();
  if (std::string_view(root.name()) != "opml") {
    return make_error(std::string("not OPML: the root element is <") + root.name() + ">, not <opml>");
  }
  std::vector<OpmlFeed> feeds;
  std::vector<std::string> folders;
  walk(root.child("body"), folders, feeds);
  return feeds;
}

std::string write_opml(const std::vector<FeedConfig>& feeds, std::string_view title) {
  pugi::xml_document doc;
  auto declaration = doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  auto opml = doc.append_child("opml");
  opml.append_attribute("version") = "2.0";
  opml.append_child("head").append_child("title").text() = std::string(title).c_str();
  auto body = opml.append_child("body");
  for (const auto& feed : feeds) {
    auto outline = body.append_child("outline");
    outline.append_attribute("type") = "rss";
    outline.append_attribute("text") = (feed.title.empty() ? feed.url : feed.title).c_str();
    if (!feed.title.empty()) outline.append_attribute("title") = feed.title.c_str();
    outline.append_attribute("xmlUrl") = feed.url.c_str();
    if (!feed.tags.empty()) {
      std::string category;
      for (const auto& tag : feed.tags) category += (category.empty() ? "" : ",") + tag;
      outline.append_attribute("category") = category.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::string feed_table(const OpmlFeed& feed) {
  std::string text = "[[feed]]\nurl = " + toml_quote(feed.url) + "\n";
  if (!feed.title.empty()) text += "title = " + toml_quote(feed.title) + "\n";
  if (!feed.tags.empty()) {
    text += "tags = [";
    for (std::size_t i = 0; i < feed.tags.size(); ++i) text += (i == 0 ? "" : ", ") + toml_quote(feed.tags[i]);
    text += "]\n";
  }
  return text;
}

}  // namespace feedd::config
