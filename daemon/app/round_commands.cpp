// `feedd once` and `feedd run`: load the configuration, then hand over to the Daemon.

#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "common/log.hpp"
#include "config/config.hpp"

namespace feedd::app {
namespace {

int run_daemon(const std::string& config_path, const std::string& log_level, Mode mode) {
  auto log = log::get("app");
  auto loaded = config::check(config_path);
  if (!loaded.config) {
    for (const auto& problem : loaded.problems) log->error("config: {}", problem.to_string());
    log->error("config={} error=\"invalid configuration ({} problems); not starting\"", config_path,
               loaded.problems.size());
    return 1;
  }
  log::setup(log_level.empty() ? loaded.config->log_level : log_level);
  Daemon daemon(std::move(*loaded.config), mode, log_level);
  return daemon.run();
}

}  // namespace

int once_command(const std::string& config_path, const std::string& log_level) {
  return run_daemon(config_path, log_level, Mode::once);
}
int run_command(const std::string& config_path, const std::string& log_level) {
  return run_daemon(config_path, log_level, Mode::run);
}

}  // namespace feedd::app
