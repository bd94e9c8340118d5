#pragma once
// The daemon: one libuv loop drives the schedule, the fetches, the store and the outputs.
// `once` polls every feed one time and stops; `run` polls forever until a signal.
// The loop fetches and parses; one worker thread stores and writes the outputs.

#include <memory>
#include <string>

#include "config/config.hpp"

namespace feedd::app {

enum class Mode { once, run };

class Daemon {
 public:
  // log_level: the command line's level (-v, --log-level), which outlasts a reload of the
  // config; empty: the config's feedd.log_level.
  Daemon(config::Config config, Mode mode, std::string log_level = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until done (once) or stopped by SIGINT/SIGTERM (run); returns the exit status:
  // 0, or 1 when the database could not be opened or (once) a feed failed.
  int run();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd::app
