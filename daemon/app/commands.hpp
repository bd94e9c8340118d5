#pragma once
// The commands of the `feedd` executable. Each returns the process exit status.

#include <string>

namespace feedd::app {

struct ParseArgs {
  std::string source;  // a file path
  bool json = false;
  std::string base_url;
  std::string content_type;
};

int parse_command(const ParseArgs& args);
int once_command(const std::string& config_path);
int run_command(const std::string& config_path);

}  // namespace feedd::app
