#include "feed/recover.hpp"

#include <cctype>
#include <cstring>
#include <vector>

#include "feed/text.hpp"

namespace feedd::feed {
namespace {

bool is_name_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || c == ':' || u >= 0x80;
}

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == ':' || c == '-' || c == '.' || u >= 0x80;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string repair_markup(std::string_view in) {
  struct Open {
    std::string_view name;
    std::size_t out_pos;  // where its start tag begins in out
  };
  std::string out;
  out.reserve(in.size() + 256);
  std::vector<Open> stack;
  bool root_done = false;
  std::size_t i = 0;
  auto local_name = [](std::string_view n) {
    const auto c = n.find(':');
    return c == std::string_view::npos ? n : n.substr(c + 1);
  };
  while (i < in.size()) {
    const char c = in[i];
    if (c != '<') {
      const auto next = in.find('<', i);
      const std::string_view text = in.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
      if (!root_done && !stack.empty()) out.append(text);
      i = next == std::string_view::npos ? in.size() : next;
      continue;
    }
    const std::string_view rest = in.substr(i);
    if (rest.starts_with("<!--") || rest.starts_with("<![CDATA[") || rest.starts_with("<?")) {
      const std::string_view close = rest[1] == '?' ? "?>" : rest[2] == '-' ? "-->" : "]]>";
      const auto end = in.find(close, i + 2);
      if (end == std::string_view::npos) {
        break;  // truncated
      }
      if (!root_done) out.append(in.substr(i, end + close.size() - i));
      i = end + close.size();
      continue;
    }
    if (rest.starts_with("<!")) {
      // DOCTYPE (with an internal subset in brackets): dropped.
      std::size_t j = i + 2;
      int brackets = 0;
      while (j < in.size() && !(in[j] == '>' && brackets == 0)) {
        if (in[j] == '[') ++brackets;
        else if (in[j] == ']' && brackets > 0) --brackets;
        ++j;
      }
      i = j + 1;
      continue;
    }
    const bool closing = rest.size() > 1 && rest[1] == '/';
    const std::size_t name_start = i + (closing ? 2 : 1);
    if (name_start >= in.size() || !is_name_start(in[name_start])) {
      if (name_start >= in.size()) {
        break;  // truncated
      }
      if (!root_done && !stack.empty()) out += "&lt;";
      ++i;
      continue;
    }
    std::size_t j = name_start;
    while (j < in.size() && is_name_char(in[j])) ++j;
    const std::string_view name = in.substr(name_start, j - name_start);
    if (closing) {
      const auto gt = in.find('>', j);
      if (gt == std::string_view::npos) {
        break;  // truncated
      }
      i = gt + 1;
      // Close it if it is open; the elements inside it that were never closed go first.
      std::size_t k = stack.size();
      while (k > 0 && stack[k - 1].name != name) --k;
      if (k == 0) continue;  // closes nothing: dropped
      while (stack.size() >= k) {
        out += "</";
        out.append(stack.back().name);
        out += '>';
        stack.pop_back();
      }
      if (stack.empty()) root_done = true;
      continue;
    }
    // A start tag: read attributes, quoting values that are unquoted.
    std::string tag = "<";
    tag.append(name);
    bool self_closing = false;
    bool complete = false;
    while (j < in.size()) {
      while (j < in.size() && is_space(in[j])) ++j;
      if (j >= in.size()) break;
      if (in[j] == '>') {
        complete = true;
        ++j;
        break;
      }
      if (in[j] == '/' && j + 1 < in.size() && in[j + 1] == '>') {
        self_closing = complete = true;
        j += 2;
        break;
      }
      if (!is_name_start(in[j])) {
        ++j;  // stray character inside a tag
        continue;
      }
      const std::size_t an_start = j;
      while (j < in.size() && is_name_char(in[j])) ++j;
      const std::string_view attr_name = in.substr(an_start, j - an_start);
      std::size_t k = j;
      while (k < in.size() && is_space(in[k])) ++k;
      std::string value;
      if (k < in.size() && in[k] == '=') {
        ++k;
        while (k < in.size() && is_space(in[k])) ++k;
        if (k < in.size() && (in[k] == '"' || in[k] == '\'')) {
          const char q = in[k];
          const auto end = in.find(q, k + 1);
          if (end == std::string_view::npos) {
            j = in.size();
            break;
          }
          value.assign(in.substr(k + 1, end - k - 1));
          j = end + 1;
        } else {
          std::size_t end = k;
          while (end < in.size() && !is_space(in[end]) && in[end] != '>') ++end;
          value.assign(in.substr(k, end - k));
          j = end;
        }
      } else {
        value.assign(attr_name);
      }
      // Duplicate attributes make the document ill-formed: keep the first.
      const std::string probe = " " + std::string(attr_name) + "=\"";
      if (tag.find(probe) != std::string::npos) continue;
      tag += probe;
      for (char v : value) {
        if (v == '<') tag += "&lt;";
        else if (v == '"') tag += "&quot;";
        else tag.push_back(v);
      }
      tag += '"';
    }
    if (!complete) {
      break;  // truncated
    }
    i = j;
    if (root_done) break;  // a second root: garbage after the document
    if (self_closing) {
      tag += "/>";
      out += tag;
      if (stack.empty()) root_done = true;
      continue;
    }
    tag += '>';
    stack.push_back({name, out.size()});
    out += tag;
  }
  if (!stack.empty()) {
    // Cut off mid-entry: the entry is incomplete, so it goes; what came before stays.
    for (std::size_t k = stack.size(); k > 1; --k) {
      const std::string_view l = local_name(stack[k - 1].name);
      if (l == "item" || l == "entry") {
        out.resize(stack[k - 1].out_pos);
        stack.resize(k - 1);
        break;
      }
    }
    while (!stack.empty()) {
      out += "</";
      out.append(stack.back().name);
      out += '>';
      stack.pop_back();
    }
  }
  return out;
}

}  // namespace feedd::feed
