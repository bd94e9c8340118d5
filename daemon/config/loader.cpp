// TOML loading and validation. toml++ is included here only.

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <toml++/toml.h>

#include "common/time.hpp"
#include "common/utf8.hpp"
#include "config/config.hpp"
#include "config/keys.hpp"

namespace feedd::config {
namespace {

constexpr std::array<std::string_view, 6> kLogLevels{"trace", "debug", "info", "warn", "error", "off"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string read_file(const std::filesystem::path& path, int& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  error = 0;
  return text.str();
}

// Where the config file set `key` (line, column), or `otherwise` when it did not.
std::pair<int, int> position_of(const Config& config, const std::string& key, std::pair<int, int> otherwise) {
  const auto at = config.positions.find(key);
  return at == config.positions.end() ? otherwise : at->second;
}

class Loader {
 public:
  Loader(const std::filesystem::path& path, LoadOptions options)
      : path_(path), file_(path.string()), options_(options) {}

  LoadResult run(std::string_view text) {
    Config config;
    config.source = path_;
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      problem(e.source(), std::string(e.description()));
      return finish(std::move(config));
    }

    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "feed") {
        load_feeds(config, node);
        continue;
      }
      if (!is_section(name)) {
        problem(key.source(), "unknown section '" + name + "'" + suggest_section(name));
        continue;
      }
      const auto* table = node.as_table();
      if (table == nullptr) {
        problem(node.source(), "'" + name + "' must be a table: [" + name + "]");
        continue;
      }
      load_table(config, nullptr, name, *table);
    }
    sort_problems();
    if (!config.feeds_file.empty()) load_feeds_file(config);
    // Defaults are relative paths too: they resolve like paths written in the file.
    config.database = resolve_path(config.database.string());
    config.output_dir = resolve_path(config.output_dir.string());
    check_whole(config);
    return finish(std::move(config));
  }

 private:
  // The feeds file: only [[feed]] tables, positions reported in its own name.
  void load_feeds_file(Config& config) {
    const std::string main_file = file_;
    const std::filesystem::path feeds_path = config.feeds_file;
    int error = 0;
    const std::string text = read_file(feeds_path, error);
    if (error != 0) {
      const auto [line, column] = position_of(config, "feedd.feeds_file", {1, 1});
      problems_.push_back({main_file, line, column,
                           "feedd.feeds_file: cannot read " + feeds_path.string() + ": " +
                               std::strerror(error) +
                               (error == ENOENT ? " (create it, even empty, or remove the key)" : "")});
      if (error == ENOENT) missing_feeds_file_ = feeds_path;
      return;
    }
    file_ = feeds_path.string();
    sorted_until_ = problems_.size();
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      problem(e.source(), std::string(e.description()));
      sort_problems();
      file_ = main_file;
      return;
    }
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      if (name == "feed") {
        load_feeds(config, node);
      } else {
        problem(key.source(), "'" + name + "' does not belong in a feeds file, which holds only "
                              "[[feed]] tables; move it to " + main_file);
      }
    }
    sort_problems();
    file_ = main_file;
  }

  static bool is_section(std::string_view name) {
    return std::any_of(keys().begin(), keys().end(),
                       [&](const KeySpec& k) { return k.section == name && name != "feed"; });
  }

  std::string suggest_section(std::string_view name) const {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& k : keys()) {
      const std::string candidate = k.section == "feed" ? "feed" : std::string(k.section);
      const auto d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    if (!best.empty()) return " (did you mean '" + best + "'?)";
    std::string all;
    for (const auto& k : keys()) {
      if (k.section == "feed") continue;
      const std::string section(k.section);
      if (all.find(section + ",") == std::string::npos) all += section + ", ";
    }
    return " (valid sections: " + all + "[[feed]])";
  }

  std::string suggest_key(std::string_view section, std::string_view name) const {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(3, name.size() / 3 + 1);
    for (const auto& k : keys()) {
      if (k.section != section) continue;
      const auto d = edit_distance(name, k.name);
      if (d < best_distance) {
        best_distance = d;
        best = k.name;
      }
    }
    if (!best.empty()) return " (did you mean '" + best + "'?)";
    std::string all;
    for (const auto& k : keys()) {
      if (k.section != section) continue;
      all += (all.empty() ? "" : ", ") + std::string(k.name);
    }
    return " (valid keys: " + all + ")";
  }

  static std::string where(std::string_view section) {
    return section == "feed" ? "[[feed]]" : "[" + std::string(section) + "]";
  }

  void load_feeds(Config& config, const toml::node& node) {
    const auto* array = node.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      problem(node.source(), "'feed' must be an array of tables: [[feed]]");
      return;
    }
    for (const auto& element : *array) {
      const auto& table = *element.as_table();
      FeedConfig feed;
      feed.line = static_cast<int>(table.source().begin.line);
      feed.file = file_;
      load_table(config, &feed, "feed", table);
      if (!table.contains("url")) {
        problem(table.source(), "[[feed]] without a url; add one: url = \"https://...\"");
        continue;
      }
      if (feed.url.empty()) continue;  // its problem is already reported
      // By URL in a hash map: a config of 10,000 feeds is checked in linear time.
      const auto [seen, added] = feed_index_.try_emplace(feed.url, config.feeds.size());
      if (!added) {
        const FeedConfig* duplicate = &config.feeds[seen->second];
        const std::string first = duplicate->file == file_
                                      ? "line " + std::to_string(duplicate->line)
                                      : duplicate->file + ":" + std::to_string(duplicate->line);
        problem(table["url"].node()->source(), "duplicate feed URL " + feed.url +
                                                   " (first defined at " + first +
                                                   "); remove one of the two [[feed]] tables");
        continue;
      }
      config.feeds.push_back(std::move(feed));
    }
  }

  void load_table(Config& config, FeedConfig* feed, std::string_view section,
                  const toml::table& table) {
    for (auto&& [key, node] : table) {
      const std::string_view name = key.str();  // clang before 16 cannot capture a structured binding
      const auto spec = std::find_if(keys().begin(), keys().end(), [&](const KeySpec& k) {
        return k.section == section && k.name == name;
      });
      if (spec == keys().end()) {
        problem(key.source(), "unknown key '" + std::string(key.str()) + "' in " + where(section) +
                                  suggest_key(section, key.str()));
        continue;
      }
      Value value;
      if (!read_value(*spec, node, value)) continue;
      spec->apply(config, feed, value);
      if (feed == nullptr) {
        config.positions[std::string(section) + "." + std::string(key.str())] = {
            static_cast<int>(node.source().begin.line), static_cast<int>(node.source().begin.column)};
      }
    }
  }

  bool read_value(const KeySpec& spec, const toml::node& node, Value& out) {
    const std::string full = std::string(spec.section) + "." + std::string(spec.name);
    auto wrong_type = [&] {
      problem(node.source(), full + " must be " + std::string(type_name(spec.type)) + example(spec));
      return false;
    };
    auto in_bounds = [&](std::int64_t n, std::string_view shown) {
      if (n < spec.min || n > spec.max) {
        const bool duration = spec.type == KeyType::duration;
        problem(node.source(),
                full + " = " + std::string(shown) + " is out of range [" +
                    (duration ? format_duration(spec.min) : std::to_string(spec.min)) + ", " +
                    (duration ? format_duration(spec.max) : std::to_string(spec.max)) + "]" +
                    (spec.default_text.empty() ? std::string()
                                               : "; the default is " + std::string(spec.default_text)));
        return false;
      }
      return true;
    };
    switch (spec.type) {
      case KeyType::string:
      case KeyType::path:
      case KeyType::url: {
        const auto s = node.value<std::string>();
        if (!node.is_string() || !s) return wrong_type();
        out.text = *s;
        if (spec.type == KeyType::url) return check_url(full, node, out.text);
        if (spec.type == KeyType::path) {
          // An optional path (no default) written as "" is left unset, as its default is.
          if (out.text.empty() && spec.default_text.empty()) return true;
          if (out.text.empty()) {
            problem(node.source(), full + " must not be empty");
            return false;
          }
          out.text = resolve_path(out.text).string();
        }
        if (full == "output.timezone" && !out.text.empty() && !time_zone_exists(out.text)) {
          problem(node.source(), "output.timezone = \"" + out.text +
                                     "\" is not a known time zone; use an IANA name such as "
                                     "\"Europe/Moscow\" (Debian package tzdata)");
          return false;
        }
        if (full == "feedd.log_level" &&
            std::find(kLogLevels.begin(), kLogLevels.end(), out.text) == kLogLevels.end()) {
          problem(node.source(), "feedd.log_level = \"" + out.text +
                                     "\" is not a level; use trace, debug, info, warn, error or off");
          return false;
        }
        return true;
      }
      case KeyType::integer: {
        if (!node.is_integer()) return wrong_type();
        out.number = *node.value<std::int64_t>();
        return in_bounds(out.number, std::to_string(out.number));
      }
      case KeyType::duration: {
        if (node.is_integer()) {
          out.number = *node.value<std::int64_t>();
          return in_bounds(out.number, std::to_string(out.number));
        }
        if (!node.is_string()) return wrong_type();
        const std::string text = *node.value<std::string>();
        const auto seconds = parse_duration(text);
        if (!seconds) return wrong_type();
        out.number = seconds->count();
        return in_bounds(out.number, "\"" + text + "\"");
      }
      case KeyType::boolean: {
        if (!node.is_boolean()) return wrong_type();
        out.flag = *node.value<bool>();
        return true;
      }
      case KeyType::string_list: {
        const auto* array = node.as_array();
        if (array == nullptr) return wrong_type();
        for (const auto& item : *array) {
          if (!item.is_string()) {
            problem(item.source(), full + " must hold only strings");
            return false;
          }
          out.list.push_back(*item.value<std::string>());
        }
        return true;
      }
    }
    return wrong_type();
  }

  bool check_url(const std::string& full, const toml::node& node, std::string& url) {
    if (url.rfind("file:", 0) == 0 && url.rfind("file://", 0) != 0) {
      // "file:relative/path": relative to the config file's directory.
      url = "file://" + resolve_path(url.substr(5)).string();
      return true;
    }
    const bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    const bool file = url.rfind("file:///", 0) == 0;
    const std::size_t authority = url.find("://") + 3;
    const bool has_host = http && authority < url.size() && url[authority] != '/';
    const bool bad_char = url.find_first_of(" \t\r\n\"<>\\^`{|}") != std::string::npos;
    if ((!http && !file) || (http && !has_host) || bad_char) {
      problem(node.source(), full + " = \"" + url +
                                 "\" is not a valid URL (expected http://, https://, file:///absolute "
                                 "or file:relative/path)");
      return false;
    }
    return true;
  }

  std::filesystem::path resolve_path(const std::string& text) const {
    std::filesystem::path p(text);
    if (p.is_absolute()) return p.lexically_normal();
    return (std::filesystem::absolute(path_).parent_path() / p).lexically_normal();
  }

  // What the type expects, shown after "must be ...".
  static std::string example(const KeySpec& spec) {
    if (spec.type == KeyType::duration) {
      return ": seconds, or a number with s, m, h or d (\"90s\", \"15m\", \"2h\", \"1d\")";
    }
    std::string value(spec.default_text);
    if (value.empty() || value == "[]") {
      switch (spec.type) {
        case KeyType::string: value = "\"text\""; break;
        case KeyType::integer: value = "10"; break;
        case KeyType::boolean: value = "true"; break;
        case KeyType::path: value = "\"path/to/file\""; break;
        case KeyType::url: value = "\"https://example.org/feed.xml\""; break;
        case KeyType::string_list: value = "[\"one\", \"two\"]"; break;
        case KeyType::duration: break;
      }
    }
    return ", e.g. " + std::string(spec.name) + " = " + value;
  }

  void check_whole(const Config& config) {
    if (config.min_interval > config.max_interval) {
      const auto [line, column] = position_of(config, "schedule.min_interval", {1, 1});
      problems_.push_back({file_, line, column,
                           "schedule.min_interval (" + format_duration(config.min_interval.count()) +
                               ") is larger than schedule.max_interval (" +
                               format_duration(config.max_interval.count()) + "); lower one or raise the other"});
    }
    if (config.feeds.empty() && problems_.empty() && !options_.allow_no_feeds) {
      problems_.push_back({file_, 1, 1, "no feeds: add at least one [[feed]] with a url"});
    }
  }

  void problem(const toml::source_region& where, std::string message) {
    problems_.push_back({file_, static_cast<int>(where.begin.line),
                         static_cast<int>(where.begin.column), std::move(message)});
  }

  // Orders the problems found in the current file by position; earlier files stay first.
  void sort_problems() {
    std::stable_sort(problems_.begin() + static_cast<std::ptrdiff_t>(sorted_until_), problems_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    sorted_until_ = problems_.size();
  }

  LoadResult finish(Config config) {
    LoadResult result;
    sort_problems();
    result.problems = std::move(problems_);
    result.missing_feeds_file = missing_feeds_file_;
    if (result.problems.empty()) result.config = std::move(config);
    return result;
  }

  std::filesystem::path path_;
  std::string file_;
  std::vector<Diagnostic> problems_;
  LoadOptions options_;
  std::unordered_map<std::string, std::size_t> feed_index_;  // feed URL -> its index in config.feeds
  std::size_t sorted_until_ = 0;
  std::filesystem::path missing_feeds_file_;
};

}  // namespace

// Printable: toml++ quotes the bytes it stopped at, and a message may quote a value or a
// path from the file, which can hold any character.
std::string Diagnostic::to_string() const {
  if (line == 0) return printable(file + ": " + message);
  return printable(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message);
}

std::optional<Seconds> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data() || n < 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else if (unit == "d") {
    scale = 86400;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<std::int64_t>::max() / scale) return std::nullopt;
  return Seconds{n * scale};
}

std::string format_duration(std::int64_t seconds) {
  if (seconds != 0) {
    for (const auto& [unit, scale] : {std::pair{"d", 86400}, std::pair{"h", 3600}, std::pair{"m", 60}}) {
      if (seconds % scale == 0) return std::to_string(seconds / scale) + unit;
    }
  }
  return std::to_string(seconds) + "s";
}

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

LoadResult load_string(std::string_view text, const std::filesystem::path& path, LoadOptions options) {
  return Loader(path, options).run(text);
}

namespace {

// The directory itself if it exists, else its nearest existing ancestor (which must then
// let us create it).
std::filesystem::path existing_ancestor(std::filesystem::path p) {
  std::error_code ec;
  while (!p.empty() && !std::filesystem::exists(p, ec)) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return p;
}

void check_writable(const Config& config, const std::string& key, const std::filesystem::path& dir,
                    std::vector<Diagnostic>& problems) {
  const auto base = existing_ancestor(dir);
  std::error_code ec;
  std::string why;
  if (base.empty()) {
    why = "no part of it exists";
  } else if (!std::filesystem::is_directory(base, ec)) {
    why = base.string() + " is not a directory";
  } else if (::access(base.c_str(), W_OK | X_OK) != 0) {
    why = base.string() + " is not writable: " + std::strerror(errno);
  }
  if (why.empty()) return;
  const auto [line, column] = position_of(config, key, {0, 0});
  problems.push_back({config.source.string(), line, column,
                      key + ": cannot write to " + dir.string() + " (" + why +
                          "); create it, fix its permissions or choose another path"});
}

// A missing CA file would otherwise fail every https poll with a TLS error.
void check_readable_file(const Config& config, const std::string& key, const std::filesystem::path& file,
                         std::vector<Diagnostic>& problems) {
  std::error_code ec;
  std::string why;
  if (::access(file.c_str(), R_OK) != 0) {
    why = std::strerror(errno);
  } else if (!std::filesystem::is_regular_file(file, ec)) {
    why = "not a regular file";
  }
  if (why.empty()) return;
  const auto [line, column] = position_of(config, key, {0, 0});
  problems.push_back({config.source.string(), line, column, key + ": cannot read " + file.string() + ": " + why});
}

}  // namespace

LoadResult check(const std::filesystem::path& path) {
  LoadResult result = load(path);
  if (!result.config) return result;
  const Config& config = *result.config;
  check_writable(config, "feedd.output_dir", config.output_dir, result.problems);
  check_writable(config, "feedd.database", config.database.parent_path(), result.problems);
  if (!config.ca_file.empty()) check_readable_file(config, "fetch.ca_file", config.ca_file, result.problems);
  if (!result.problems.empty()) result.config.reset();
  return result;
}

LoadResult load(const std::filesystem::path& path, LoadOptions options) {
  int error = 0;
  const std::string text = read_file(path, error);
  if (error != 0) {
    LoadResult result;
    result.problems.push_back({path.string(), 0, 0, std::string("cannot read the file: ") + std::strerror(error)});
    return result;
  }
  return load_string(text, path, options);
}

}  // namespace feedd::config
