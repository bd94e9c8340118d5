#include <iostream>

#include "app/commands.hpp"
#include "config/config.hpp"

namespace feedd::app {

int check_config_command(const std::string& config_path) {
  const auto result = config::check(config_path);
  for (const auto& problem : result.problems) std::cerr << problem.to_string() << "\n";
  if (!result.config) {
    std::cerr << config_path << ": " << result.problems.size()
              << (result.problems.size() == 1 ? " problem" : " problems") << "\n";
    return 1;
  }
  std::cout << config_path << ": ok, " << result.config->feeds.size()
            << (result.config->feeds.size() == 1 ? " feed" : " feeds") << "\n";
  return 0;
}

int print_reference_command() {
  std::cout << config::reference_table();
  return 0;
}

}  // namespace feedd::app
