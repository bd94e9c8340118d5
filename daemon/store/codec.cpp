#include "store/codec.hpp"

#include <nlohmann/json.hpp>

namespace feedd::store::codec {

using nlohmann::json;

std::string encode_extra(const std::vector<feed::Person>& authors,
                         const std::vector<std::string>& categories,
                         const std::vector<feed::Enclosure>& enclosures) {
  if (authors.empty() && categories.empty() && enclosures.empty()) return {};
  json out = json::object();
  if (!authors.empty()) {
    json list = json::array();
    for (const auto& p : authors) {
      json person = json::object();
      if (!p.name.empty()) person["n"] = p.name;
      if (!p.email.empty()) person["e"] = p.email;
      if (!p.uri.empty()) person["u"] = p.uri;
      list.push_back(std::move(person));
    }
    out["a"] = std::move(list);
  }
  if (!categories.empty()) out["c"] = categories;
  if (!enclosures.empty()) {
    json list = json::array();
    for (const auto& e : enclosures) {
      json item = json::object();
      item["u"] = e.url;
      if (!e.type.empty()) item["t"] = e.type;
      if (e.length) item["l"] = *e.length;
      list.push_back(std::move(item));
    }
    out["x"] = std::move(list);
  }
  // The model's text is valid UTF-8; "replace" keeps a stray bad byte from throwing.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

Extra decode_extra(std::string_view text) {
  Extra extra;
  if (text.empty()) return extra;
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return extra;
  if (auto a = doc.find("a"); a != doc.end() && a->is_array()) {
    for (const auto& p : *a) {
      if (!p.is_object()) continue;
      extra.authors.push_back({text_of(p, "n"), text_of(p, "e"), text_of(p, "u")});
    }
  }
  if (auto c = doc.find("c"); c != doc.end() && c->is_array()) {
    for (const auto& v : *c) {
      if (v.is_string()) extra.categories.push_back(v.get<std::string>());
    }
  }
  if (auto x = doc.find("x"); x != doc.end() && x->is_array()) {
    for (const auto& e : *x) {
      if (!e.is_object()) continue;
      feed::Enclosure enclosure{text_of(e, "u"), text_of(e, "t"), std::nullopt};
      if (auto l = e.find("l"); l != e.end() && l->is_number_integer()) {
        enclosure.length = l->get<std::int64_t>();
      }
      extra.enclosures.push_back(std::move(enclosure));
    }
  }
  return extra;
}

std::string string_array(const std::vector<std::string>& values) {
  return json(values).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace feedd::store::codec
