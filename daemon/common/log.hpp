#pragma once
// One named spdlog logger per module: "fetch", "parse", "store", "sched", "out", "app".
// Lines are key=value events; under journald (JOURNAL_STREAM set) no timestamp of our own.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace feedd::log {

// Configures the sink and level for every logger; call once at start.
// level: trace, debug, info, warn, error, off.
void setup(const std::string& level);

std::shared_ptr<spdlog::logger> get(const std::string& module);

}  // namespace feedd::log
