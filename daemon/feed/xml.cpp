#include "feed/xml.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <vector>

#include "feed/text.hpp"
#include "feed/url.hpp"

namespace feedd::feed {
namespace {

struct NsEntry {
  std::string_view key;  // see ns_key()
  Ns ns;
};

// Keys are URIs lower-cased with the scheme and one trailing '/' or '#' removed, so
// "http://www.w3.org/2005/Atom", "https://www.w3.org/2005/atom/" and the like all match.
// Sorted for binary search.
constexpr NsEntry kNamespaces[] = {
    {"backend.userland.com/rss2", Ns::Rss20},
    {"blogs.law.harvard.edu/tech/rss", Ns::Rss20},
    {"my.netscape.com/rdf/simple/0.9", Ns::Rss090},
    {"purl.org/atom/ns", Ns::Atom03},
    {"purl.org/dc/elements/1.0", Ns::Dc},
    {"purl.org/dc/elements/1.1", Ns::Dc},
    {"purl.org/dc/terms", Ns::Dcterms},
    {"purl.org/rss/1.0", Ns::Rss10},
    {"purl.org/rss/1.0/modules/content", Ns::Content},
    {"purl.org/rss/1.0/modules/syndication", Ns::Sy},
    {"rssnamespace.org/feedburner/ext/1.0", Ns::Feedburner},
    {"search.yahoo.com/mrss", Ns::Media},
    {"search.yahoo.com/rss", Ns::Media},
    {"tools.search.yahoo.com/mrss", Ns::Media},
    {"video.search.yahoo.com/mrss", Ns::Media},
    {"www.itunes.com/dtds/podcast-1.0.dtd", Ns::Itunes},
    {"www.w3.org/1999/02/22-rdf-syntax-ns", Ns::Rdf},
    {"www.w3.org/1999/xhtml", Ns::Xhtml},
    {"www.w3.org/2005/atom", Ns::Atom10},
    {"www.w3.org/xml/1998/namespace", Ns::Xml},
};

std::string ns_key(std::string_view uri) {
  while (!uri.empty() && (uri.front() == ' ' || uri.front() == '\t' || uri.front() == '\n')) uri.remove_prefix(1);
  while (!uri.empty() && (uri.back() == ' ' || uri.back() == '\t' || uri.back() == '\n')) uri.remove_suffix(1);
  if (const auto pos = uri.find("://"); pos != std::string_view::npos && pos < 8) uri.remove_prefix(pos + 3);
  if (!uri.empty() && (uri.back() == '/' || uri.back() == '#')) uri.remove_suffix(1);
  std::string key(uri);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::string_view prefix_of(std::string_view qname, std::string_view& local) {
  const auto colon = qname.find(':');
  if (colon == std::string_view::npos) {
    local = qname;
    return {};
  }
  local = qname.substr(colon + 1);
  return qname.substr(0, colon);
}

bool is_void_html(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kVoid{
      "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
      "source", "track", "wbr"};
  return std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end();
}

void escape_into(std::string& out, std::string_view s, bool attr) {
  std::size_t start = 0;
  const char quote = attr ? '"' : '&';
  for (std::size_t i = find_any3(s, 0, '&', '<', quote); i < s.size(); i = find_any3(s, i + 1, '&', '<', quote)) {
    const char c = s[i];
    out.append(s.substr(start, i - start));
    out.append(c == '&' ? "&amp;" : c == '<' ? "&lt;" : "&quot;");
    start = i + 1;
  }
  out.append(s.substr(start));
}

void write_markup(std::string& out, pugi::xml_node node) {
  // Iterative: the depth was bounded when the document was accepted, but a loop costs
  // nothing and cannot overflow the stack. Each call into pugixml is made once per node.
  std::vector<std::string_view> open;  // local names of the elements we are inside
  pugi::xml_node cur = node.first_child();
  while (cur) {
    pugi::xml_node child;
    switch (cur.type()) {
      case pugi::node_pcdata: append_html_text(out, cur.value()); break;
      case pugi::node_cdata: escape_into(out, cur.value(), false); break;
      case pugi::node_element: {
        std::string_view local;
        prefix_of(cur.name(), local);
        out.push_back('<');
        out.append(local);
        for (pugi::xml_attribute a = cur.first_attribute(); a; a = a.next_attribute()) {
          const std::string_view an = a.name();
          if (an.starts_with("xmlns") && (an.size() == 5 || an[5] == ':')) continue;
          out.push_back(' ');
          out.append(an);
          out += "=\"";
          escape_into(out, a.value(), true);
          out.push_back('"');
        }
        child = cur.first_child();
        if (child) {
          out.push_back('>');
          open.push_back(local);
        } else if (is_void_html(local)) {
          out += " />";
        } else {
          out += "></";
          out.append(local);
          out.push_back('>');
        }
        break;
      }
      default: break;
    }
    if (child) {
      cur = child;
      continue;
    }
    // Up until there is a next sibling, closing the elements we leave.
    pugi::xml_node next = cur.next_sibling();
    while (!next && !open.empty()) {
      cur = cur.parent();
      out += "</";
      out.append(open.back());
      out.push_back('>');
      open.pop_back();
      next = cur.next_sibling();
    }
    cur = next;
  }
}

Ns customary_prefix(std::string_view prefix) {
  struct Customary {
    std::string_view prefix;
    Ns ns;
  };
  static constexpr Customary kCustomary[] = {
      {"atom", Ns::Atom10}, {"content", Ns::Content}, {"dc", Ns::Dc},       {"dcterms", Ns::Dcterms},
      {"itunes", Ns::Itunes}, {"media", Ns::Media},   {"rdf", Ns::Rdf},     {"sy", Ns::Sy},
      {"xhtml", Ns::Xhtml}, {"feedburner", Ns::Feedburner},
  };
  for (const auto& c : kCustomary) {
    if (c.prefix == prefix) return c.ns;
  }
  return Ns::Other;
}

}  // namespace

Ns ns_from_uri(std::string_view uri) {
  const std::string key = ns_key(uri);
  const auto* it = std::lower_bound(std::begin(kNamespaces), std::end(kNamespaces), key,
                                    [](const NsEntry& e, const std::string& k) { return e.key < k; });
  if (it != std::end(kNamespaces) && it->key == key) return it->ns;
  // Pre-standard Atom 1.0 drafts declared purl.org/atom/ns#draft-ietf-atompub-format-NN.
  if (key.starts_with("purl.org/atom/ns#draft")) return Ns::Atom10;
  return Ns::Other;
}

Scope::Scope(std::string base_url, bool clean_document) : clean_(clean_document) {
  bindings_.reserve(16);
  bindings_.emplace_back("xml", Ns::Xml);
  bases_.push_back(std::move(base_url));
}

Scope::Mark Scope::enter(pugi::xml_node node) {
  const Mark mark{bindings_.size(), bases_.size()};
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const char* name = a.name();
    if (name[0] != 'x' || name[1] != 'm') continue;
    const std::string_view n = name;
    if (n == "xmlns") {
      bindings_.emplace_back(std::string_view{}, a.value()[0] ? ns_from_uri(a.value()) : Ns::None);
    } else if (n.starts_with("xmlns:")) {
      bindings_.emplace_back(n.substr(6), ns_from_uri(a.value()));
    } else if (n == "xml:base") {
      bases_.push_back(resolve_url(bases_.back(), clean_text(a.value())));
    }
  }
  return mark;
}

void Scope::leave(Mark mark) {
  bindings_.resize(mark.bindings);
  bases_.resize(mark.bases);
}

Element Scope::element(pugi::xml_node node) const {
  Element el;
  el.node = node;
  el.clean = clean_;
  const std::string_view prefix = prefix_of(node.name(), el.local);
  for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
    if (it->first == prefix) {
      el.ns = it->second;
      return el;
    }
  }
  // An undeclared prefix: feeds use the customary ones without binding them
  // ("<content:encoded>" with no xmlns:content). Read them as what they always mean.
  el.ns = prefix.empty() ? Ns::None : customary_prefix(prefix);
  return el;
}

std::string text_of(pugi::xml_node node, bool clean_document) {
  pugi::xml_node child = node.first_child();
  if (!child) return {};
  if (!child.next_sibling()) {
    const auto type = child.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) return {};
    return clean_document ? std::string(child.value()) : clean_text(child.value());
  }
  std::string out;
  for (; child; child = child.next_sibling()) {
    const auto type = child.type();
    if (type == pugi::node_pcdata || type == pugi::node_cdata) out += child.value();
  }
  if (!clean_document) clean_text_in_place(out);
  return out;
}

std::string attr(pugi::xml_node node, const char* name) {
  const pugi::xml_attribute a = node.attribute(name);
  if (!a) return {};
  return clean_text(trim(a.value()));
}

std::string_view attr_view(pugi::xml_node node, const char* name) {
  return trim(node.attribute(name).value());
}

std::string_view text_view(pugi::xml_node node, std::string& scratch) {
  pugi::xml_node child = node.first_child();
  if (!child) return {};
  if (!child.next_sibling()) {
    const auto type = child.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) return {};
    return child.value();
  }
  scratch.clear();
  for (; child; child = child.next_sibling()) {
    const auto type = child.type();
    if (type == pugi::node_pcdata || type == pugi::node_cdata) scratch += child.value();
  }
  return scratch;
}

std::string attr_local(pugi::xml_node node, std::string_view local) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    std::string_view l;
    prefix_of(a.name(), l);
    if (l == local) return clean_text(trim(a.value()));
  }
  return {};
}

bool has_element_children(pugi::xml_node node) {
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element) return true;
  }
  return false;
}

std::string inner_markup(pugi::xml_node node) {
  std::string out;
  out.reserve(1024);
  write_markup(out, node);
  return out;
}

std::size_t max_depth(pugi::xml_node root) {
  // pugixml's own traversal: one virtual call per node instead of several calls into
  // the library to step around the tree.
  struct Walker : pugi::xml_tree_walker {
    std::size_t deepest = 0;
    bool for_each(pugi::xml_node&) override {
      const auto d = static_cast<std::size_t>(depth()) + 1;
      if (d > deepest) deepest = d;
      return true;
    }
  } walker;
  root.traverse(walker);
  return walker.deepest;
}

}  // namespace feedd::feed
