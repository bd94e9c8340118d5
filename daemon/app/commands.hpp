#pragma once
// The commands of the `feedd` executable. Each returns the process exit status.

#include <string>

namespace feedd::app {

struct ParseArgs {
  std::string source;  // a file path, or an http(s) URL to fetch
  bool json = false;
  std::string base_url;
  std::string content_type;
};

int parse_command(const ParseArgs& args);
// log_level: from the command line; empty means the config's feedd.log_level.
int once_command(const std::string& config_path, const std::string& log_level);
int run_command(const std::string& config_path, const std::string& log_level);
// Prints every problem of the config (FILE:LINE:COLUMN: message) to stderr; 1 if any.
int check_config_command(const std::string& config_path);
// Prints the configuration reference (the README's table) generated from the key table.
int print_reference_command();
// Every feed of the config with its state in the store: a table, or JSON with `json`.
int feeds_command(const std::string& config_path, bool json);
// Appends the feeds of an OPML file that the config lacks, as [[feed]] tables, to the
// config's feeds_file (or to the config itself without one).
int import_opml_command(const std::string& config_path, const std::string& opml_path);
// Writes the config's feeds as OPML 2.0 to output_path ("" or "-": standard output).
int export_opml_command(const std::string& config_path, const std::string& output_path);

}  // namespace feedd::app
