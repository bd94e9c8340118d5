// Atom 1.0 (RFC 4287) and Atom 0.3: the same reader, 0.3's names (tagline, modified,
// issued, url, content modes) mapped onto 1.0's.

#include <charconv>

#include "feed/dialect.hpp"
#include "feed/text.hpp"
#include "feed/url.hpp"

namespace feedd::feed {
namespace {

enum class Tag {
  Unknown = 0,
  Author,
  Category,
  Content,
  Contributor,
  Created,
  Entry,
  Id,
  Issued,
  Link,
  Modified,
  Published,
  Subtitle,
  Summary,
  Title,
  Updated,
  DcCreator,
  DcDate,
  DcSubject,
  MediaContent,
  MediaDescription,
  MediaGroup,
  MediaThumbnail,
  OrigLink,
};

// Atom 0.3 and 1.0 elements are both looked up under Ns::Atom10.
constexpr auto kTags = tag_table(std::to_array<TagName<Tag>>({
    {Ns::Atom10, "author", Tag::Author},
    {Ns::Atom10, "category", Tag::Category},
    {Ns::Atom10, "content", Tag::Content},
    {Ns::Atom10, "contributor", Tag::Contributor},
    {Ns::Atom10, "created", Tag::Created},
    {Ns::Atom10, "entry", Tag::Entry},
    {Ns::Atom10, "id", Tag::Id},
    {Ns::Atom10, "issued", Tag::Issued},
    {Ns::Atom10, "link", Tag::Link},
    {Ns::Atom10, "modified", Tag::Modified},
    {Ns::Atom10, "published", Tag::Published},
    {Ns::Atom10, "subtitle", Tag::Subtitle},
    {Ns::Atom10, "summary", Tag::Summary},
    {Ns::Atom10, "tagline", Tag::Subtitle},
    {Ns::Atom10, "title", Tag::Title},
    {Ns::Atom10, "updated", Tag::Updated},
    {Ns::Dc, "creator", Tag::DcCreator},
    {Ns::Dc, "date", Tag::DcDate},
    {Ns::Dc, "subject", Tag::DcSubject},
    {Ns::Media, "content", Tag::MediaContent},
    {Ns::Media, "description", Tag::MediaDescription},
    {Ns::Media, "group", Tag::MediaGroup},
    {Ns::Media, "thumbnail", Tag::MediaThumbnail},
    {Ns::Feedburner, "origLink", Tag::OrigLink},
}));

struct Reader {
  Context& ctx;
  Ns atom_ns;  // the namespace the root element is in (None for a namespace-less feed)

  Tag tag_of(const Element& el) const {
    Ns ns = el.ns;
    if (is_atom_ns(ns) || ns == atom_ns) ns = Ns::Atom10;
    return lookup_tag(kTags, ns, el.local);
  }

  bool is_atom(const Element& el) const { return is_atom_ns(el.ns) || el.ns == atom_ns; }

  // What kind of text construct an element is: RFC 4287 3.1 "type", or Atom 0.3's MIME
  // type plus "mode".
  enum class Kind { Text, Html, Xhtml, Base64 };
  static Kind kind_of(const Element& el) {
    const std::string_view type = attr_view(el.node, "type");
    const std::string_view mode = attr_view(el.node, "mode");
    if (mode == "base64") return Kind::Base64;
    if (type.empty() || type == "text" || type == "text/plain") {
      if (mode == "xml") return Kind::Xhtml;
      if (mode == "escaped" && !type.empty() && type != "text/plain") return Kind::Html;
      return Kind::Text;
    }
    if (type == "html" || type == "text/html") {
      return mode == "xml" ? Kind::Xhtml : Kind::Html;
    }
    if (type == "xhtml" || type == "application/xhtml+xml") {
      return mode == "escaped" ? Kind::Html : Kind::Xhtml;
    }
    if (type.ends_with("+xml") || type.ends_with("/xml")) return Kind::Xhtml;
    // RFC 4287 4.1.3.3 says any other media type is base64-encoded. Feeds also put
    // plain text under made-up types (application/json, application/x-custom), so only
    // binary types are decoded.
    if (type == "application/octet-stream" || type.starts_with("image/") ||
        type.starts_with("audio/") || type.starts_with("video/")) {
      return Kind::Base64;
    }
    return Kind::Text;
  }

  // xhtml content: the children of the wrapper div (RFC 4287 4.1.3 / 3.1.1.3).
  std::string xhtml_of(const Element& el) const {
    pugi::xml_node only;
    int elements = 0;
    bool text = false;
    for (pugi::xml_node c = el.node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        only = c;
        ++elements;
      } else if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) &&
                 !trim(c.value()).empty()) {
        text = true;
      }
    }
    if (elements == 1 && !text) {
      std::string_view name = only.name();
      if (const auto colon = name.find(':'); colon != std::string_view::npos) name = name.substr(colon + 1);
      if (name == "div") {
        std::string html = inner_markup(only);
        if (!el.clean) clean_text_in_place(html);
        return with_absolute_urls(ctx, std::move(html));
      }
    }
    std::string html = inner_markup(el.node);
    if (!el.clean) clean_text_in_place(html);
    return with_absolute_urls(ctx, std::move(html));
  }

  // A text construct as plain text (titles, names).
  std::string as_text(const Element& el) const {
    switch (kind_of(el)) {
      case Kind::Text: return plain_text(el);
      case Kind::Html: return clean_text(html_to_text(html_content(ctx, el)));
      case Kind::Xhtml: return clean_text(html_to_text(xhtml_of(el)));
      case Kind::Base64: return clean_text(html_to_text(decode_base64(text_of(el.node))));
    }
    return {};
  }

  // A text construct as HTML (summary, content).
  std::string as_html(const Element& el) const {
    switch (kind_of(el)) {
      case Kind::Text:
        if (has_element_children(el.node)) return clean_text(inner_markup(el.node));
        {
          std::string html;
          append_html_text(html, trim(text_of(el.node)));
          return html;
        }
      case Kind::Html: return html_content(ctx, el);
      case Kind::Xhtml: return xhtml_of(el);
      case Kind::Base64: return clean_text(trim(decode_base64(text_of(el.node))));
    }
    return {};
  }

  static std::string decode_base64(std::string_view in) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
      int v = -1;
      if (c >= 'A' && c <= 'Z') v = c - 'A';
      else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
      else if (c >= '0' && c <= '9') v = c - '0' + 52;
      else if (c == '+') v = 62;
      else if (c == '/') v = 63;
      if (v < 0) continue;
      buffer = (buffer << 6) | static_cast<unsigned>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
      }
    }
    return out;
  }

  Person person(const Element& el) {
    Person p;
    for_each_child(ctx.scope, el.node, [&](const Element& child) {
      if (!is_atom(child)) return;
      if (child.local == "name") p.name = plain_text(child);
      else if (child.local == "email") p.email = plain_text(child);
      else if (child.local == "uri" || child.local == "url" || child.local == "homepage") p.uri = url_in_scope(ctx, text_of(child.node));
    });
    // A name-only author written as "Name <address>" still yields both.
    if (p.email.empty() && !p.name.empty()) {
      Person parsed = person_from_text(p.name);
      if (!parsed.email.empty()) {
        p.email = parsed.email;
        p.name = parsed.name;
      }
    }
    return p;
  }

  static void add_person(std::vector<Person>& people, Person p) {
    if (p.name.empty() && p.email.empty() && p.uri.empty()) return;
    people.push_back(std::move(p));
  }

  static std::optional<std::int64_t> to_int(std::string_view s) {
    s = trim(s);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
  }

  // Link choice: rel="alternate" (the default) preferring text/html, else the first.
  struct LinkChoice {
    std::string url;
    int score = -1;
    void offer(std::string u, int s) {
      if (s > score) {
        url = std::move(u);
        score = s;
      }
    }
  };

  void link(const Element& el, LinkChoice& choice, std::vector<Enclosure>* enclosures) {
    std::string href = attr(el.node, "href");
    if (href.empty()) {
      href = text_of(el.node);  // broken feeds write <link>URL</link>
      trim_in_place(href);
    }
    if (href.empty()) return;
    std::string_view rel = attr_view(el.node, "rel");
    const std::string_view type = attr_view(el.node, "type");
    if (rel.starts_with("http://www.iana.org/assignments/relation/")) rel.remove_prefix(41);
    if (rel.empty() || rel == "alternate") {
      const int score = (type.empty() || type == "text/html" || type == "application/xhtml+xml") ? 3 : 2;
      choice.offer(url_in_scope(ctx, href), score);
    } else if (rel == "enclosure") {
      if (enclosures) {
        Enclosure enc;
        enc.url = url_in_scope(ctx, href);
        enc.type = plain(type);
        enc.length = to_int(attr_view(el.node, "length"));
        enclosures->push_back(std::move(enc));
      }
    } else if (rel != "self" && rel != "edit" && rel != "replies" && rel != "hub" &&
               rel != "next" && rel != "previous" && rel != "first" && rel != "last") {
      choice.offer(url_in_scope(ctx, href), 0);
    }
  }

  void media(const Element& el, Entry& entry, std::string& description) {
    for_each_child(ctx.scope, el.node, [&](const Element& child) {
      switch (tag_of(child)) {
        case Tag::MediaContent: media_content(child, entry); break;
        case Tag::MediaThumbnail:
          if (entry.thumbnail.empty()) entry.thumbnail = url_in_scope(ctx, attr(child.node, "url"));
          break;
        case Tag::MediaDescription:
          if (description.empty()) description = html_content(ctx, child);
          break;
        default: break;
      }
    });
  }

  void media_content(const Element& el, Entry& entry) {
    const std::string url = attr(el.node, "url");
    if (url.empty()) return;
    Enclosure enc;
    enc.url = url_in_scope(ctx, url);
    for (const auto& e : entry.enclosures) {
      if (e.url == enc.url) return;
    }
    enc.type = attr(el.node, "type");
    enc.length = to_int(attr_view(el.node, "fileSize"));
    entry.enclosures.push_back(std::move(enc));
  }

  Entry entry(const Element& item) {
    Entry entry;
    LinkChoice links;
    std::string media_description;
    std::optional<Instant> published, updated, issued, created, modified, dc_date;
    std::vector<Person> dc_creators;
    std::string content_src;
    std::string orig_link;
    for_each_child(ctx.scope, item.node, [&](const Element& el) {
      switch (tag_of(el)) {
        case Tag::Id:
          if (entry.id.empty()) {
            entry.id = plain_text(el);
            // A relative id (which RFC 4287 does not allow) is read against xml:base.
            if (!entry.id.empty() && url_scheme(entry.id).empty() && !ctx.scope.base().empty())
              entry.id = url_in_scope(ctx, entry.id);
          }
          break;
        case Tag::Title:
          if (entry.title.empty()) entry.title = as_text(el);
          break;
        case Tag::Link: link(el, links, &entry.enclosures); break;
        case Tag::Summary:
          if (entry.summary.empty()) entry.summary = as_html(el);
          break;
        case Tag::Content:
          if (entry.content.empty()) {
            entry.content = as_html(el);
            if (entry.content.empty() && !attr(el.node, "src").empty()) {
              content_src = url_in_scope(ctx, attr(el.node, "src"));
            }
          }
          break;
        case Tag::Published:
          if (!published) published = date_of(el);
          break;
        case Tag::Updated:
          if (!updated) updated = date_of(el);
          break;
        case Tag::Issued:
          if (!issued) issued = date_of(el);
          break;
        case Tag::Created:
          if (!created) created = date_of(el);
          break;
        case Tag::Modified:
          if (!modified) modified = date_of(el);
          break;
        case Tag::DcDate:
          if (!dc_date) dc_date = date_of(el);
          break;
        case Tag::Author: add_person(entry.authors, person(el)); break;
        case Tag::DcCreator: add_person(dc_creators, person_from_text(plain_text(el))); break;
        case Tag::Category:
        case Tag::DcSubject: {
          std::string term = attr(el.node, "term");
          if (term.empty()) term = attr(el.node, "label");
          if (term.empty()) term = plain_text(el);
          if (!term.empty()) entry.categories.push_back(std::move(term));
          break;
        }
        case Tag::MediaContent: media_content(el, entry); break;
        case Tag::MediaGroup: media(el, entry, media_description); break;
        case Tag::MediaThumbnail:
          if (entry.thumbnail.empty()) entry.thumbnail = url_in_scope(ctx, attr(el.node, "url"));
          break;
        case Tag::MediaDescription:
          if (media_description.empty()) media_description = html_content(ctx, el);
          break;
        case Tag::OrigLink:
          if (orig_link.empty()) orig_link = original_link(ctx, el);
          break;
        default: break;
      }
    });
    entry.link = links.url;
    if (entry.link.empty()) entry.link = content_src;
    use_article_link(entry, std::move(orig_link));
    if (entry.summary.empty()) entry.summary = std::move(media_description);
    entry.published = published ? published : issued ? issued : created ? created : dc_date;
    entry.updated = updated ? updated : modified;
    // One date known: it is both when the entry was published and when it last changed.
    if (!entry.published) entry.published = entry.updated;
    if (!entry.updated) entry.updated = entry.published;
    if (entry.authors.empty()) entry.authors = std::move(dc_creators);
    flag_future(ctx, entry);
    return entry;
  }

  void feed(const Element& root, Feed& feed) {
    LinkChoice links;
    std::optional<Instant> updated, modified, published, dc_date;
    for_each_child(ctx.scope, root.node, [&](const Element& el) {
      switch (tag_of(el)) {
        case Tag::Title:
          if (feed.title.empty()) feed.title = as_text(el);
          break;
        case Tag::Subtitle:
          if (feed.subtitle.empty()) feed.subtitle = as_html(el);
          break;
        case Tag::Id:
          if (feed.id.empty()) feed.id = plain_text(el);
          break;
        case Tag::Link: link(el, links, nullptr); break;
        case Tag::Updated:
          if (!updated) updated = date_of(el);
          break;
        case Tag::Modified:
          if (!modified) modified = date_of(el);
          break;
        case Tag::Published:
          if (!published) published = date_of(el);
          break;
        case Tag::DcDate:
          if (!dc_date) dc_date = date_of(el);
          break;
        case Tag::Author: add_person(feed.authors, person(el)); break;
        case Tag::Entry:
          if (room_for_entry(ctx, feed)) feed.entries.push_back(entry(el));
          break;
        default: break;
      }
    });
    feed.link = links.url;
    feed.updated = updated ? updated : modified ? modified : dc_date;
    feed.published = published;
  }
};

}  // namespace

void read_atom(Context& ctx, const Element& root, Feed& feed) {
  Reader reader{ctx, root.ns == Ns::None ? Ns::None : root.ns};
  reader.feed(root, feed);
}

}  // namespace feedd::feed
