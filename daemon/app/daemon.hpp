#pragma once
// The daemon: one libuv loop drives the schedule, the fetches, the store and the outputs.
// `once` polls every feed one time and stops; `run` polls forever until a signal.

#include <memory>

#include "config/config.hpp"

namespace feedd::app {

enum class Mode { once, run };

class Daemon {
 public:
  Daemon(config::Config config, Mode mode);
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
