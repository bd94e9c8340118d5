// The parse pipeline: size cap, encoding and document check, XML (strict, then
// repaired), depth cap, dialect detection, and one reader per dialect family.

#include "feed/parser.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <string>

#include "common/utf8.hpp"
#include "feed/dates.hpp"
#include "feed/dialect.hpp"
#include "feed/encoding.hpp"
#include "feed/recover.hpp"
#include "feed/text.hpp"
#include "feed/url.hpp"

namespace feedd::feed {

// ---- helpers shared by the dialect readers (dialect.hpp) ----

std::string plain(std::string_view text) { return clean_text(trim(text)); }

std::string plain_text(const Element& el) {
  if (has_element_children(el.node)) {
    // Markup inside a plain-text element (<title>A <b>bold</b> move</title>): its text.
    return clean_text(html_to_text(inner_markup(el.node)));
  }
  std::string text = text_of(el.node, el.clean);
  trim_in_place(text);
  decode_html_names(text);
  return text;
}

std::string html_content(const Context& ctx, const Element& el) {
  // The common case, HTML in one text node of a clean document: copied as it is, with
  // one pass (html_length) that also tells whether any URL in it is relative.
  if (el.clean) {
    const pugi::xml_node child = el.node.first_child();
    if (child && !child.next_sibling() &&
        (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)) {
      const char* value = child.value();
      bool relative = false;
      std::string html(value, html_length(value, relative));
      trim_in_place(html);
      return relative ? with_absolute_urls(ctx, std::move(html)) : html;
    }
  }
  std::string html;
  if (has_element_children(el.node)) {
    html = inner_markup(el.node);
    if (!el.clean) clean_text_in_place(html);
  } else {
    html = text_of(el.node, el.clean);
  }
  trim_in_place(html);
  return with_absolute_urls(ctx, std::move(html));
}

std::string with_absolute_urls(const Context& ctx, std::string html) {
  const std::string& base = ctx.scope.base();
  if (!base.empty()) resolve_html_urls_in_place(html, base);
  return html;
}

std::optional<Instant> date_of(const Element& el) {
  std::string scratch;
  return parse_date(text_view(el.node, scratch));
}

std::string url_in_scope(const Context& ctx, std::string_view text) {
  return clean_text(resolve_url(ctx.scope.base(), trim(text)));
}

std::string original_link(const Context& ctx, const Element& el) {
  std::string url = url_in_scope(ctx, text_of(el.node));
  const auto scheme = url_scheme(url);
  return scheme == "http" || scheme == "https" ? url : std::string();
}

void use_article_link(Entry& entry, std::string orig_link) {
  if (!orig_link.empty()) entry.link = std::move(orig_link);
  if (auto target = redirect_target(entry.link)) entry.link = std::move(*target);
}

Person person_from_text(std::string_view text) {
  Person p;
  std::string_view s = trim(text);
  if (s.empty()) return p;
  const auto lt = s.find('<');
  const auto gt = s.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt &&
      s.substr(lt, gt - lt).find('@') != std::string_view::npos) {
    // "Name <address>"
    p.email = std::string(trim(s.substr(lt + 1, gt - lt - 1)));
    p.name = std::string(trim(s.substr(0, lt)));
    if (p.name.size() >= 2 && p.name.front() == '"' && p.name.back() == '"') p.name = p.name.substr(1, p.name.size() - 2);
    return p;
  }
  const auto open = s.find('(');
  const auto close = s.rfind(')');
  const std::string_view head = trim(s.substr(0, open));
  if (open != std::string_view::npos && close != std::string_view::npos && close > open &&
      head.find('@') != std::string_view::npos && head.find(' ') == std::string_view::npos) {
    // "address (Name)"
    p.email = std::string(head);
    p.name = std::string(trim(s.substr(open + 1, close - open - 1)));
    return p;
  }
  const std::string_view inside = open == std::string_view::npos || close == std::string_view::npos || close < open
                                      ? std::string_view{}
                                      : trim(s.substr(open + 1, close - open - 1));
  if (!inside.empty() && inside.find('@') != std::string_view::npos && inside.find(' ') == std::string_view::npos) {
    // "Name (address)"
    p.email = std::string(inside.starts_with("mailto:") ? inside.substr(7) : inside);
    p.name = std::string(head);
    return p;
  }
  if (s.find('@') != std::string_view::npos && s.find(' ') == std::string_view::npos) {
    std::string_view addr = s;
    if (addr.starts_with("mailto:")) addr.remove_prefix(7);
    p.email = std::string(addr);
    return p;
  }
  p.name = std::string(s);
  return p;
}

void flag_future(const Context& ctx, Entry& entry) {
  const Instant limit = ctx.now + ctx.options.future_slack;
  entry.date_in_future = (entry.published && *entry.published > limit) ||
                         (entry.updated && *entry.updated > limit);
}

namespace {

// pugixml expands XML's references and leaves others as written: HTML's names in plain
// text are decoded as it is read (decode_html_names); in HTML they already mean what
// the feed meant. DOCTYPE-declared entities are never expanded.
constexpr unsigned kParseOptions = pugi::parse_default;

std::string xml_error(const std::string& text, std::ptrdiff_t offset, const char* description) {
  std::size_t line = 1, column = 1;
  const auto end = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(text.size())));
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "XML error at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
         description;
}

bool looks_like_html(std::string_view text) {
  const std::string_view head = text.substr(0, 1024);
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("<!doctype html") != std::string::npos || lower.find("<html") != std::string::npos;
}

struct Detected {
  enum class Family { None, Rss, Atom } family = Family::None;
  std::string format;
};

Detected detect(const Element& root, Scope& scope) {
  Detected d;
  const std::string_view local = root.local;
  // <rss> and <feed> are read whatever namespace they were put in (a misspelt URI we
  // do not know is still far more likely Atom than anything else).
  if (local == "rss") {
    d.family = Detected::Family::Rss;
    const std::string_view version = attr_view(root.node, "version");
    if (version == "0.91") d.format = "rss091";
    else if (version == "0.92" || version == "0.93" || version == "0.94") d.format = "rss092";
    else if (version == "0.90") d.format = "rss090";
    else d.format = "rss20";
  } else if (local == "RDF") {
    d.family = Detected::Family::Rss;
    d.format = "rss10";
    for_each_child(scope, root.node, [&](const Element& el) {
      if (el.local == "channel" && el.ns == Ns::Rss090) d.format = "rss090";
    });
  } else if (local == "feed") {
    d.family = Detected::Family::Atom;
    const std::string_view version = attr_view(root.node, "version");
    d.format = (root.ns == Ns::Atom03 || (root.ns == Ns::None && version == "0.3")) ? "atom03" : "atom10";
  } else if (local == "channel" && is_rss_ns(root.ns)) {
    d.family = Detected::Family::Rss;  // a bare channel: RSS 0.9x without its wrapper
    d.format = "rss091";
  }
  return d;
}

}  // namespace

Result<Feed> parse(std::string_view bytes, const ParseOptions& options) {
  if (bytes.size() > options.max_bytes) {
    return make_error("not a feed: " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                      std::to_string(options.max_bytes));
  }
  std::string encoding;
  bool clean = false;
  // Bytes to UTF-8 text: what the XML parser reads.
  auto prepare = [&] {
    Decoded decoded = decode(bytes, options.content_type);
    encoding = std::move(decoded.encoding);
    clean = decoded.clean;
    return std::move(decoded.text);
  };
  std::string text = prepare();
  if (trim(text).empty()) return make_error("not a feed: the document is empty");

  pugi::xml_document doc;
  // pugixml parses in place, so text is consumed; the rare document that needs repair
  // is prepared again from the bytes.
  pugi::xml_parse_result result =
      doc.load_buffer_inplace(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
  std::string repaired;
  if (!result || !doc.document_element()) {
    text = prepare();
    const std::string error = result ? std::string("XML error at line 1, column 1: no root element")
                                     : xml_error(text, result.offset, result.description());
    if (looks_like_html(text)) return make_error("not a feed: looks like an HTML page");
    repaired = repair_markup(text);
    doc.reset();
    result = doc.load_buffer_inplace(repaired.data(), repaired.size(), kParseOptions, pugi::encoding_utf8);
    if (!result || !doc.document_element()) return make_error(error);
  }

  if (max_depth(doc) > options.max_depth) {
    return make_error("not a feed: elements nested deeper than " + std::to_string(options.max_depth));
  }

  // A repaired document's text is cleaned as it is read, whatever the check said.
  Context ctx{options, options.now.value_or(now_utc()), Scope(options.base_url, clean && repaired.empty())};
  const pugi::xml_node root_node = doc.document_element();
  const Scope::Mark mark = ctx.scope.enter(root_node);
  const Element root = ctx.scope.element(root_node);
  // An RSS root in a namespace we do not know (a misspelling) makes that namespace RSS's.
  ctx.root_ns = root.ns == Ns::Other ? Ns::Other : Ns::None;
  const Detected detected = detect(root, ctx.scope);
  if (detected.family == Detected::Family::None) {
    if (root.local == "html" || root.local == "HTML") {
      return make_error("not a feed: looks like an HTML page");
    }
    // The name is the document's: shown short and printable, since the error is logged
    // and stored.
    constexpr std::size_t kShown = 64;
    const std::string_view name = root_node.name();
    return make_error("not a feed: the root element is <" + printable(name.substr(0, kShown)) +
                      (name.size() > kShown ? "..." : "") + ">, not RSS or Atom");
  }

  Feed feed;
  feed.format = detected.format;
  feed.encoding = encoding;
  if (detected.family == Detected::Family::Rss) {
    read_rss(ctx, root, feed);
  } else {
    read_atom(ctx, root, feed);
  }
  ctx.scope.leave(mark);
  return feed;
}

}  // namespace feedd::feed
