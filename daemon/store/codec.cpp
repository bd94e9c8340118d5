#include "store/codec.hpp"

#include <nlohmann/json.hpp>

#include "feed/text.hpp"

namespace feedd::store::codec {

using nlohmann::json;

namespace {

// A JSON string as json::dump writes it, for text that is valid UTF-8: '"' and '\\'
// escaped, the controls below U+0020 as \b \f \n \r \t or \u00xx, everything else as
// it is.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // where the bytes not yet copied start
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, run, i - run);
    run = i + 1;
    out += '\\';
    switch (c) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\f': out += 'f'; break;
      case '\n': out += 'n'; break;
      case '\r': out += 'r'; break;
      case '\t': out += 't'; break;
      default:
        out += "u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text, run, text.size() - run);
  out += '"';
}

// `"key":`, after a comma unless it starts the object.
void append_key(std::string& out, bool& first, const char* key) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out += key;
  out += "\":";
}

// A member `"key":"text"`.
void append_member(std::string& out, bool& first, const char* key, std::string_view text) {
  append_key(out, first, key);
  append_string(out, text);
}

// A member `"key":[...]` holding the items (none: nothing), each written by write(out, item).
template <class T, class Write>
void append_array(std::string& out, bool& first_key, const char* key, const std::vector<T>& items, Write write) {
  if (items.empty()) return;
  append_key(out, first_key, key);
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    write(out, items[i]);
  }
  out += ']';
}

bool all_valid(const std::vector<feed::Person>& authors, const std::vector<std::string>& categories,
               const std::vector<feed::Enclosure>& enclosures) {
  for (const auto& p : authors) {
    if (!feed::is_valid_utf8(p.name) || !feed::is_valid_utf8(p.email) || !feed::is_valid_utf8(p.uri)) {
      return false;
    }
  }
  for (const auto& c : categories) {
    if (!feed::is_valid_utf8(c)) return false;
  }
  for (const auto& e : enclosures) {
    if (!feed::is_valid_utf8(e.url) || !feed::is_valid_utf8(e.type)) return false;
  }
  return true;
}

// What encode_extra writes, through the JSON library: for text that is not valid UTF-8
// (the model's never is), whose stray bytes the library replaces.
std::string encode_with_library(const std::vector<feed::Person>& authors,
                                const std::vector<std::string>& categories,
                                const std::vector<feed::Enclosure>& enclosures) {
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
  // "replace" keeps a stray bad byte from throwing.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

// Written directly, the same bytes as the library writes (a test compares them): every
// new entry is encoded, and building the library's objects cost more than the rest of
// storing an entry's extras.
std::string encode_extra(const std::vector<feed::Person>& authors,
                         const std::vector<std::string>& categories,
                         const std::vector<feed::Enclosure>& enclosures) {
  if (authors.empty() && categories.empty() && enclosures.empty()) return {};
  if (!all_valid(authors, categories, enclosures)) return encode_with_library(authors, categories, enclosures);
  // The library's objects keep their keys sorted: "a", "c", "x"; and in each object
  // "e" < "n" < "u", "l" < "t" < "u".
  std::string out = "{";
  bool first_key = true;
  append_array(out, first_key, "a", authors, [](std::string& o, const feed::Person& p) {
    o += '{';
    bool first = true;
    if (!p.email.empty()) append_member(o, first, "e", p.email);
    if (!p.name.empty()) append_member(o, first, "n", p.name);
    if (!p.uri.empty()) append_member(o, first, "u", p.uri);
    o += '}';
  });
  append_array(out, first_key, "c", categories, [](std::string& o, const std::string& c) { append_string(o, c); });
  append_array(out, first_key, "x", enclosures, [](std::string& o, const feed::Enclosure& e) {
    o += '{';
    bool first = true;
    if (e.length) {
      append_key(o, first, "l");
      o += std::to_string(*e.length);
    }
    if (!e.type.empty()) append_member(o, first, "t", e.type);
    append_member(o, first, "u", e.url);
    o += '}';
  });
  out += '}';
  return out;
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
