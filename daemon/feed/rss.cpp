// RSS 0.90, 0.91, 0.92, 2.0 and RSS 1.0 (RDF): one reader, since the dialects differ in
// where items sit (inside <channel> or beside it) and in their namespace, not in meaning.

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
  Channel,
  Comments,
  ContentEncoded,
  OrigLink,
  Created,
  Creator,
  Date,
  Description,
  Enclosure,
  Guid,
  Issued,
  Item,
  LastBuildDate,
  Link,
  ManagingEditor,
  MediaContent,
  MediaDescription,
  MediaGroup,
  MediaThumbnail,
  Modified,
  PubDate,
  SkipDays,
  SkipHours,
  Subject,
  Subtitle,
  Summary,
  Title,
  Ttl,
  UpdateFrequency,
  UpdatePeriod,
  WebMaster,
  AtomLink,
  AtomAuthor,
  AtomUpdated,
  AtomPublished,
  AtomId,
  AtomSummary,
  AtomContent,
  Hour,
  Day,
};

// RSS's own elements are looked up under Ns::None whatever namespace the dialect uses.
constexpr auto kTags = tag_table(std::to_array<TagName<Tag>>({
    {Ns::None, "author", Tag::Author},
    {Ns::None, "category", Tag::Category},
    {Ns::None, "channel", Tag::Channel},
    {Ns::None, "comments", Tag::Comments},
    {Ns::None, "day", Tag::Day},
    {Ns::None, "description", Tag::Description},
    {Ns::None, "enclosure", Tag::Enclosure},
    {Ns::None, "guid", Tag::Guid},
    {Ns::None, "hour", Tag::Hour},
    {Ns::None, "item", Tag::Item},
    {Ns::None, "lastBuildDate", Tag::LastBuildDate},
    {Ns::None, "link", Tag::Link},
    {Ns::None, "managingEditor", Tag::ManagingEditor},
    {Ns::None, "pubDate", Tag::PubDate},
    {Ns::None, "skipDays", Tag::SkipDays},
    {Ns::None, "skipHours", Tag::SkipHours},
    {Ns::None, "title", Tag::Title},
    {Ns::None, "ttl", Tag::Ttl},
    {Ns::None, "webMaster", Tag::WebMaster},
    {Ns::Atom10, "author", Tag::AtomAuthor},
    {Ns::Atom10, "content", Tag::AtomContent},
    {Ns::Atom10, "id", Tag::AtomId},
    {Ns::Atom10, "link", Tag::AtomLink},
    {Ns::Atom10, "published", Tag::AtomPublished},
    {Ns::Atom10, "summary", Tag::AtomSummary},
    {Ns::Atom10, "updated", Tag::AtomUpdated},
    {Ns::Content, "encoded", Tag::ContentEncoded},
    {Ns::Feedburner, "origLink", Tag::OrigLink},
    {Ns::Dc, "author", Tag::Creator},
    {Ns::Dc, "creator", Tag::Creator},
    {Ns::Dc, "date", Tag::Date},
    {Ns::Dc, "description", Tag::Description},
    {Ns::Dc, "subject", Tag::Subject},
    {Ns::Dc, "title", Tag::Title},
    {Ns::Dcterms, "created", Tag::Created},
    {Ns::Dcterms, "issued", Tag::Issued},
    {Ns::Dcterms, "modified", Tag::Modified},
    {Ns::Media, "content", Tag::MediaContent},
    {Ns::Media, "description", Tag::MediaDescription},
    {Ns::Media, "group", Tag::MediaGroup},
    {Ns::Media, "thumbnail", Tag::MediaThumbnail},
    {Ns::Itunes, "author", Tag::Author},
    {Ns::Itunes, "category", Tag::Category},
    {Ns::Itunes, "subtitle", Tag::Subtitle},
    {Ns::Itunes, "summary", Tag::Summary},
    {Ns::Sy, "updateFrequency", Tag::UpdateFrequency},
    {Ns::Sy, "updatePeriod", Tag::UpdatePeriod},
}));

Tag tag_of(const Context& ctx, const Element& el) {
  Ns ns = el.ns;
  if (is_rss_ns(ns) || ns == ctx.root_ns) ns = Ns::None;
  if (ns == Ns::Atom03) ns = Ns::Atom10;
  return lookup_tag(kTags, ns, el.local);
}

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool is_true(std::string_view s) {
  s = trim(s);
  return !(s == "false" || s == "False" || s == "FALSE" || s == "0" || s == "no");
}

// An atom:link inside RSS: an alternate link, an enclosure, or nothing we keep.
void atom_link_in_rss(Context& ctx, const Element& el, std::string& link,
                      std::vector<Enclosure>* enclosures) {
  const std::string_view rel = attr_view(el.node, "rel");
  const std::string href = attr(el.node, "href");
  if (trim(href).empty()) return;
  if (rel.empty() || rel == "alternate") {
    if (link.empty()) link = url_in_scope(ctx, href);
  } else if (rel == "enclosure" && enclosures) {
    Enclosure enc;
    enc.url = url_in_scope(ctx, href);
    enc.type = attr(el.node, "type");
    enc.length = to_int(attr_view(el.node, "length"));
    enclosures->push_back(std::move(enc));
  }
}

void add_enclosure(Context& ctx, const Element& el, std::vector<Enclosure>& out,
                   const char* length_attr) {
  const std::string url = attr(el.node, "url");
  if (trim(url).empty()) return;
  Enclosure enc;
  enc.url = url_in_scope(ctx, url);
  for (const auto& existing : out) {
    if (existing.url == enc.url) return;
  }
  enc.type = attr(el.node, "type");
  enc.length = to_int(attr_view(el.node, length_attr));
  out.push_back(std::move(enc));
}

void add_person(std::vector<Person>& people, Person p) {
  if (p.name.empty() && p.email.empty() && p.uri.empty()) return;
  for (const auto& existing : people) {
    if (existing.name == p.name && existing.email == p.email) return;
  }
  people.push_back(std::move(p));
}

Person atom_person(Context& ctx, const Element& el) {
  Person p;
  for_each_child(ctx.scope, el.node, [&](const Element& child) {
    if (!is_atom_ns(child.ns)) return;
    if (child.local == "name") p.name = plain_text(child);
    else if (child.local == "email") p.email = plain_text(child);
    else if (child.local == "uri" || child.local == "url") p.uri = url_in_scope(ctx, text_of(child.node));
  });
  return p;
}

void read_media(Context& ctx, const Element& el, Entry& entry, std::string& media_description) {
  for_each_child(ctx.scope, el.node, [&](const Element& child) {
    switch (tag_of(ctx, child)) {
      case Tag::MediaContent:
        add_enclosure(ctx, child, entry.enclosures, "fileSize");
        break;
      case Tag::MediaThumbnail:
        if (entry.thumbnail.empty()) entry.thumbnail = url_in_scope(ctx, attr(child.node, "url"));
        break;
      case Tag::MediaDescription:
        if (media_description.empty()) media_description = html_content(ctx, child);
        break;
      default: break;
    }
  });
}

Entry read_item(Context& ctx, const Element& item) {
  Entry entry;
  std::string guid_link;
  std::string atom_link;
  std::string orig_link;
  std::string description, itunes_summary, media_description, atom_summary;
  std::optional<Instant> pub_date, dc_date, issued, created, modified, atom_updated, atom_published;
  std::vector<Person> authors, creators;
  for_each_child(ctx.scope, item.node, [&](const Element& el) {
    switch (tag_of(ctx, el)) {
      case Tag::Title:
        if (entry.title.empty()) entry.title = plain_text(el);
        break;
      case Tag::Link: {
        // Several <link>s: the last one wins (an href attribute counts, as some
        // feeds write RSS links the Atom way).
        std::string text = text_of(el.node);
        trim_in_place(text);
        if (text.empty()) text = attr(el.node, "href");
        if (text.empty()) text = attr_local(el.node, "resource");
        if (!text.empty()) entry.link = url_in_scope(ctx, text);
        break;
      }
      case Tag::Description:
        if (description.empty()) description = html_content(ctx, el);
        break;
      case Tag::ContentEncoded:
        if (entry.content.empty()) entry.content = html_content(ctx, el);
        break;
      case Tag::AtomContent:
        if (entry.content.empty()) entry.content = html_content(ctx, el);
        break;
      case Tag::AtomSummary:
        if (atom_summary.empty()) atom_summary = html_content(ctx, el);
        break;
      case Tag::Summary:
        if (itunes_summary.empty()) itunes_summary = html_escape(plain_text(el));
        break;
      case Tag::Guid: {
        const std::string id = plain_text(el);
        if (entry.id.empty() && !id.empty()) {
          entry.id = id;
          const std::string_view permalink = attr_view(el.node, "isPermaLink");
          if (permalink.empty() || is_true(permalink)) {
            const auto scheme = url_scheme(id);
            if (scheme == "http" || scheme == "https" || (scheme.empty() && !ctx.scope.base().empty()))
              guid_link = url_in_scope(ctx, id);
          }
        }
        break;
      }
      case Tag::AtomId:
        if (entry.id.empty()) entry.id = plain_text(el);
        break;
      case Tag::PubDate:
        if (!pub_date) pub_date = date_of(el);
        break;
      case Tag::Date:
        if (!dc_date) dc_date = date_of(el);
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
      case Tag::AtomUpdated:
        if (!atom_updated) atom_updated = date_of(el);
        break;
      case Tag::AtomPublished:
        if (!atom_published) atom_published = date_of(el);
        break;
      case Tag::Author:
        add_person(authors, person_from_text(plain_text(el)));
        break;
      case Tag::Creator:
        add_person(creators, person_from_text(plain_text(el)));
        break;
      case Tag::AtomAuthor:
        add_person(authors, atom_person(ctx, el));
        break;
      case Tag::Category:
      case Tag::Subject: {
        std::string cat = plain_text(el);
        if (cat.empty()) cat = attr(el.node, "text");
        if (!cat.empty()) entry.categories.push_back(std::move(cat));
        break;
      }
      case Tag::Enclosure:
        add_enclosure(ctx, el, entry.enclosures, "length");
        break;
      case Tag::MediaContent:
        add_enclosure(ctx, el, entry.enclosures, "fileSize");
        read_media(ctx, el, entry, media_description);
        break;
      case Tag::MediaGroup:
        read_media(ctx, el, entry, media_description);
        break;
      case Tag::MediaThumbnail:
        if (entry.thumbnail.empty()) entry.thumbnail = url_in_scope(ctx, attr(el.node, "url"));
        break;
      case Tag::MediaDescription:
        if (media_description.empty()) media_description = html_content(ctx, el);
        break;
      case Tag::AtomLink:
        atom_link_in_rss(ctx, el, atom_link, &entry.enclosures);
        break;
      case Tag::OrigLink:
        if (orig_link.empty()) orig_link = original_link(ctx, el);
        break;
      default: break;
    }
  });
  if (entry.link.empty()) entry.link = !atom_link.empty() ? atom_link : guid_link;
  use_article_link(entry, std::move(orig_link));
  if (entry.id.empty()) {
    // RSS 1.0 names each item by its rdf:about.
    std::string about = attr_local(item.node, "about");
    if (!about.empty()) entry.id = std::move(about);
  }
  entry.summary = !description.empty() ? std::move(description)
                  : !atom_summary.empty() ? std::move(atom_summary)
                  : !itunes_summary.empty() ? std::move(itunes_summary)
                                            : std::move(media_description);
  entry.published = pub_date ? pub_date : dc_date ? dc_date : issued ? issued : created ? created : atom_published;
  entry.updated = modified ? modified : atom_updated ? atom_updated : dc_date;
  // One date known: it is both when the entry was published and when it last changed.
  if (!entry.published) entry.published = entry.updated;
  if (!entry.updated) entry.updated = entry.published;
  entry.authors = !authors.empty() ? std::move(authors) : std::move(creators);
  flag_future(ctx, entry);
  return entry;
}

void read_channel(Context& ctx, const Element& channel, Feed& feed, bool items_inside) {
  std::string atom_link;
  std::optional<Instant> pub_date, last_build, dc_date, modified, atom_updated;
  std::vector<Person> editors, creators, others;
  std::string itunes_subtitle, itunes_summary;
  for_each_child(ctx.scope, channel.node, [&](const Element& el) {
    switch (tag_of(ctx, el)) {
      case Tag::Title:
        if (feed.title.empty()) feed.title = plain_text(el);
        break;
      case Tag::Link: {
        std::string text = text_of(el.node);
        trim_in_place(text);
        if (text.empty()) text = attr(el.node, "href");
        if (!text.empty()) feed.link = url_in_scope(ctx, text);
        break;
      }
      case Tag::AtomLink:
        atom_link_in_rss(ctx, el, atom_link, nullptr);
        break;
      case Tag::Description:
        if (feed.subtitle.empty()) feed.subtitle = html_content(ctx, el);
        break;
      case Tag::Subtitle:
        if (itunes_subtitle.empty()) itunes_subtitle = plain_text(el);
        break;
      case Tag::Summary:
        if (itunes_summary.empty()) itunes_summary = plain_text(el);
        break;
      case Tag::AtomId:
        if (feed.id.empty()) feed.id = plain_text(el);
        break;
      case Tag::PubDate:
        if (!pub_date) pub_date = date_of(el);
        break;
      case Tag::LastBuildDate:
        if (!last_build) last_build = date_of(el);
        break;
      case Tag::Date:
        if (!dc_date) dc_date = date_of(el);
        break;
      case Tag::Modified:
        if (!modified) modified = date_of(el);
        break;
      case Tag::AtomUpdated:
        if (!atom_updated) atom_updated = date_of(el);
        break;
      case Tag::ManagingEditor:
      case Tag::WebMaster:
        add_person(editors, person_from_text(plain_text(el)));
        break;
      case Tag::Author:
        add_person(others, person_from_text(plain_text(el)));
        break;
      case Tag::AtomAuthor:
        add_person(others, atom_person(ctx, el));
        break;
      case Tag::Creator:
        add_person(creators, person_from_text(plain_text(el)));
        break;
      case Tag::Ttl:
        if (auto v = to_int(text_of(el.node)); v && *v < 1'000'000) feed.hints.ttl_minutes = static_cast<int>(*v);
        break;
      case Tag::SkipHours:
        for_each_child(ctx.scope, el.node, [&](const Element& h) {
          if (tag_of(ctx, h) != Tag::Hour) return;
          if (auto v = to_int(text_of(h.node)); v && *v <= 24) feed.hints.skip_hours.push_back(static_cast<int>(*v % 24));
        });
        break;
      case Tag::SkipDays:
        for_each_child(ctx.scope, el.node, [&](const Element& d) {
          if (tag_of(ctx, d) != Tag::Day) return;
          const std::string day = plain_text(d);
          if (!day.empty()) feed.hints.skip_days.push_back(day);
        });
        break;
      case Tag::UpdatePeriod:
        feed.hints.update_period = plain_text(el);
        break;
      case Tag::UpdateFrequency:
        if (auto v = to_int(text_of(el.node)); v && *v < 1'000'000) feed.hints.update_frequency = static_cast<int>(*v);
        break;
      case Tag::Item:
        if (items_inside && room_for_entry(ctx, feed)) feed.entries.push_back(read_item(ctx, el));
        break;
      default: break;
    }
  });
  if (feed.link.empty()) feed.link = atom_link;
  if (feed.subtitle.empty()) feed.subtitle = !itunes_subtitle.empty() ? itunes_subtitle : itunes_summary;
  feed.published = pub_date;
  feed.updated = last_build ? last_build : dc_date ? dc_date : modified ? modified : atom_updated;
  feed.authors = !editors.empty() ? std::move(editors) : !others.empty() ? std::move(others) : std::move(creators);
}

}  // namespace

void read_rss(Context& ctx, const Element& root, Feed& feed) {
  // RSS 0.9x/2.0: <rss><channel>...<item/>...</channel></rss>.
  // RSS 1.0/0.90: <rdf:RDF><channel/><item/>...</rdf:RDF>. Some feeds mix the two.
  bool saw_channel = false;
  for_each_child(ctx.scope, root.node, [&](const Element& el) {
    const Tag tag = tag_of(ctx, el);
    if (tag == Tag::Channel && !saw_channel) {
      saw_channel = true;
      read_channel(ctx, el, feed, true);
    } else if (tag == Tag::Item && room_for_entry(ctx, feed)) {
      feed.entries.push_back(read_item(ctx, el));
    }
  });
  if (!saw_channel && root.local == "channel") read_channel(ctx, root, feed, true);
}

}  // namespace feedd::feed
