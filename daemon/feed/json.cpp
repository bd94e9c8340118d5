// The only place nlohmann-json is included (it is slow to compile).

#include "feed/json.hpp"

#include <nlohmann/json.hpp>

namespace feedd::feed {
namespace {

using nlohmann::json;

void put(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

void put(json& j, const char* key, const std::optional<Instant>& value) {
  if (value) j[key] = format_rfc3339(*value);
}

void put_people(json& j, const std::vector<Person>& people) {
  if (people.empty()) return;
  json list = json::array();
  for (const auto& p : people) {
    json o = json::object();
    put(o, "name", p.name);
    put(o, "email", p.email);
    put(o, "uri", p.uri);
    list.push_back(std::move(o));
  }
  j["authors"] = std::move(list);
}

json entry_json(const Entry& e) {
  json j = json::object();
  put(j, "id", e.id);
  put(j, "link", e.link);
  put(j, "title", e.title);
  put(j, "published", e.published);
  put(j, "updated", e.updated);
  if (e.date_in_future) j["date_in_future"] = true;
  put(j, "summary", e.summary);
  put(j, "content", e.content);
  put_people(j, e.authors);
  if (!e.categories.empty()) j["categories"] = e.categories;
  if (!e.enclosures.empty()) {
    json list = json::array();
    for (const auto& enc : e.enclosures) {
      json o = json::object();
      put(o, "url", enc.url);
      put(o, "type", enc.type);
      if (enc.length) o["length"] = *enc.length;
      list.push_back(std::move(o));
    }
    j["enclosures"] = std::move(list);
  }
  put(j, "thumbnail", e.thumbnail);
  return j;
}

}  // namespace

std::string to_json(const Feed& feed, int indent) {
  json j = json::object();
  j["format"] = feed.format;
  j["encoding"] = feed.encoding;
  put(j, "title", feed.title);
  put(j, "link", feed.link);
  put(j, "subtitle", feed.subtitle);
  put(j, "id", feed.id);
  put(j, "updated", feed.updated);
  put(j, "published", feed.published);
  put_people(j, feed.authors);
  json entries = json::array();
  for (const auto& e : feed.entries) entries.push_back(entry_json(e));
  j["entries"] = std::move(entries);
  if (feed.entries_unread > 0) j["entries_unread"] = feed.entries_unread;
  // Text in the model is valid UTF-8; replace rather than throw if that ever slips.
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace feedd::feed
