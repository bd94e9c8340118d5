#pragma once
// Namespace-aware reading of a pugixml tree. pugixml keeps qualified names as written
// ("a:link"); feeds bind the same namespace to any prefix, or none, so every element is
// looked up by the namespace URI its prefix is bound to, through the table in xml.cpp
// (which also knows the misspelt URIs that real feeds declare).

#include <pugixml.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::feed {

enum class Ns : std::uint8_t {
  None,     // no namespace (RSS 0.91/0.92/2.0 elements)
  Other,    // a namespace we do not read
  Atom10,
  Atom03,
  Rss090,
  Rss10,
  Rss20,    // the namespace some RSS 2.0 feeds declare (backend.userland.com/rss2)
  Rdf,
  Content,
  Dc,
  Dcterms,
  Media,
  Itunes,
  Sy,
  Xhtml,
  Xml,
  Feedburner,  // feedburner:origLink, the article's own URL beside a tracking <link>
};

// The namespace a URI names; Ns::Other when it is not one we read.
Ns ns_from_uri(std::string_view uri);

// RSS elements live in no namespace (0.9x, 2.0) or in the RSS 1.0 / 0.90 / userland one.
inline bool is_rss_ns(Ns ns) {
  return ns == Ns::None || ns == Ns::Rss10 || ns == Ns::Rss090 || ns == Ns::Rss20;
}
inline bool is_atom_ns(Ns ns) { return ns == Ns::Atom10 || ns == Ns::Atom03; }

struct Element {
  pugi::xml_node node;
  Ns ns = Ns::None;
  std::string_view local;  // the name without its prefix
  bool clean = false;      // the document's text needs no cleaning (check_document)
};

// Namespace bindings and xml:base along the path from the root to the current element.
class Scope {
 public:
  explicit Scope(std::string base_url, bool clean_document = false);

  struct Mark {
    std::size_t bindings;
    std::size_t bases;
  };
  // Takes in the xmlns declarations and xml:base of node; undo with leave().
  Mark enter(pugi::xml_node node);
  void leave(Mark mark);

  Element element(pugi::xml_node node) const;
  // The base URI in effect for the element last entered.
  const std::string& base() const { return bases_.back(); }

 private:
  std::vector<std::pair<std::string_view, Ns>> bindings_;  // prefix ("" = default) -> ns
  std::vector<std::string> bases_;
  bool clean_ = false;
};

// Calls f(const Element&) for each element child of parent, with parent's scope entered
// for the child.
template <class F>
void for_each_child(Scope& scope, pugi::xml_node parent, F&& f) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    const Scope::Mark mark = scope.enter(child);
    f(scope.element(child));
    scope.leave(mark);
  }
}

// The text of an element: its character data and CDATA sections, concatenated and
// cleaned (clean_text) unless the document is known to be clean.
std::string text_of(pugi::xml_node node, bool clean_document = false);
// An attribute's value, cleaned and trimmed; empty when absent.
std::string attr(pugi::xml_node node, const char* name);
// An attribute's value as written, trimmed, for comparing and reading numbers: no copy.
std::string_view attr_view(pugi::xml_node node, const char* name);
// The same for an element's text when it is one node; otherwise assembled in scratch.
std::string_view text_view(pugi::xml_node node, std::string& scratch);
// The same for an attribute found by its local name, whatever its prefix.
std::string attr_local(pugi::xml_node node, std::string_view local);
// Whether the element has element children (markup written unescaped into a feed).
bool has_element_children(pugi::xml_node node);
// The children of node written back as markup (HTML), prefixes and xmlns declarations
// dropped, text escaped.
std::string inner_markup(pugi::xml_node node);

// The deepest nesting of elements under node (iterative: safe at any depth).
std::size_t max_depth(pugi::xml_node node);

}  // namespace feedd::feed
