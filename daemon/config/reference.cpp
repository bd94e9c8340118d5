// The configuration reference, generated from the table of keys.

#include <string>

#include "config/config.hpp"
#include "config/keys.hpp"

namespace feedd::config {
namespace {

// "an integer" -> "integer"
std::string bare_type(KeyType type) {
  std::string name(type_name(type));
  const auto space = name.find(' ');
  return space == std::string::npos ? name : name.substr(space + 1);
}

// Markdown cells cannot hold a bare '|'.
std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string bounds(const KeySpec& k) {
  if (k.type == KeyType::integer) return std::to_string(k.min) + " – " + std::to_string(k.max);
  if (k.type == KeyType::duration) return format_duration(k.min) + " – " + format_duration(k.max);
  return "";
}

}  // namespace

std::string reference_table() {
  std::string out = "| key | type | default | bounds | meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : keys()) {
    out += "| `" + std::string(k.section) + "." + std::string(k.name) + "` | " + bare_type(k.type) + " | ";
    if (!k.default_text.empty()) out += "`" + cell(k.default_text) + "`";
    out += " | " + bounds(k) + " | " + cell(k.help) + " |\n";
  }
  return out;
}

}  // namespace feedd::config
