// `feedd import-opml` and `feedd export-opml`: feed lists in and out.
//
// Import appends [[feed]] tables as text to the feeds file (feedd.feeds_file) or, without
// one, to the config itself: nothing already in the file is rewritten, so its comments and
// layout stay as the user left them.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "app/commands.hpp"
#include "config/config.hpp"
#include "config/opml.hpp"

namespace feedd::app {
namespace {

bool read_all(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

void print_problems(const config::LoadResult& loaded) {
  for (const auto& problem : loaded.problems) std::cerr << problem.to_string() << "\n";
}

// The config, creating an absent feeds file first (empty but for a comment).
config::LoadResult load_for_import(const std::string& config_path) {
  const config::LoadOptions options{.allow_no_feeds = true};
  auto loaded = config::load(config_path, options);
  if (loaded.config || loaded.missing_feeds_file.empty() || loaded.problems.size() != 1) return loaded;
  std::ofstream create(loaded.missing_feeds_file, std::ios::binary | std::ios::app);
  create << "# Feeds for feedd, read after " << std::filesystem::path(config_path).filename().string()
         << " (its feedd.feeds_file). One [[feed]] table per feed.\n";
  create.close();
  return config::load(config_path, options);
}

}  // namespace

int import_opml_command(const std::string& config_path, const std::string& opml_path) {
  std::string opml;
  if (!read_all(opml_path, opml)) {
    std::cerr << opml_path << ": cannot read the file: " << std::strerror(errno) << "\n";
    return 1;
  }
  auto parsed = config::parse_opml(opml);
  if (!parsed) {
    std::cerr << opml_path << ": " << parsed.error().message << "\n";
    return 1;
  }

  const auto loaded = load_for_import(config_path);
  if (!loaded.config) {
    print_problems(loaded);
    std::cerr << config_path << ": fix these problems first; nothing was imported\n";
    return 1;
  }
  const config::Config& config = *loaded.config;
  const std::filesystem::path target = config.feeds_file.empty() ? config.source : config.feeds_file;

  std::map<std::string, std::string> known;  // url -> where it is defined
  for (const auto& f : config.feeds) known[f.url] = f.file + ":" + std::to_string(f.line);

  std::string appended;
  std::size_t added = 0;
  std::size_t skipped = 0;
  std::size_t invalid = 0;
  for (const auto& feed : *parsed) {
    if (const auto at = known.find(feed.url); at != known.end()) {
      std::cout << "skipped " << feed.url << ": already in " << at->second << "\n";
      ++skipped;
      continue;
    }
    const std::string table = config::feed_table(feed);
    // The table alone must load: its URL is checked exactly as the config's are.
    const auto alone = config::load_string(table, target, {});
    if (!alone.config) {
      std::cout << "skipped " << feed.url << ": " << alone.problems.front().message << "\n";
      ++invalid;
      continue;
    }
    known[feed.url] = "this import";
    appended += "\n" + table;
    std::cout << "added " << feed.url << (feed.title.empty() ? "" : " (" + feed.title + ")") << "\n";
    ++added;
  }

  if (added > 0) {
    std::string existing;
    if (!read_all(target, existing)) {
      std::cerr << target.string() << ": cannot read the file: " << std::strerror(errno) << "\n";
      return 1;
    }
    std::string text;
    if (!existing.empty() && existing.back() != '\n') text += "\n";
    text += "\n# Imported from " + std::filesystem::path(opml_path).filename().string() +
            " by feedd import-opml.\n";
    text.erase(text.size() - 1);  // the first table's own leading newline ends the comment
    text += appended;
    std::ofstream out(target, std::ios::binary | std::ios::app);
    out << text;
    out.close();
    if (!out) {
      std::cerr << target.string() << ": cannot write: " << std::strerror(errno) << "\n";
      return 1;
    }
  }
  std::cout << "imported " << added << (added == 1 ? " feed" : " feeds") << " into " << target.string()
            << "; " << skipped << " already there, " << invalid << " invalid\n";

  // What was written must load: say so at once rather than at the daemon's next start.
  const auto after = config::load(config_path, {.allow_no_feeds = true});
  if (!after.config) {
    print_problems(after);
    return 1;
  }
  return 0;
}

int export_opml_command(const std::string& config_path, const std::string& output_path) {
  const auto loaded = config::load(config_path, {.allow_no_feeds = true});
  if (!loaded.config) {
    print_problems(loaded);
    return 1;
  }
  const std::string text = config::write_opml(loaded.config->feeds, loaded.config->title + " feeds");
  if (output_path.empty() || output_path == "-") {
    std::cout << text;
    return std::cout ? 0 : 1;
  }
  std::ofstream out(output_path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << output_path << ": cannot write: " << std::strerror(errno) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace feedd::app
