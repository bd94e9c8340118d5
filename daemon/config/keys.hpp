#pragma once
// The table of every configuration key: one row per key, the only place a key is defined.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace feedd::config {

enum class KeyType { string, integer, duration, boolean, string_list, path, url };

// A value read from the file, already checked against the key's type and bounds.
struct Value {
  std::string text;
  std::int64_t number = 0;  // integer, or seconds for a duration
  bool flag = false;
  std::vector<std::string> list;
};

struct KeySpec {
  std::string_view section;  // "feedd", "schedule", "fetch", "output", "store", or "feed" ([[feed]])
  std::string_view name;
  KeyType type;
  std::string_view default_text;  // as it would be written in the file; "" = none
  std::int64_t min;               // integer and duration (seconds) bounds, inclusive
  std::int64_t max;
  std::string_view help;
  void (*apply)(Config& config, FeedConfig* feed, const Value& value);
};

std::span<const KeySpec> keys();
std::string_view type_name(KeyType type);

}  // namespace feedd::config
