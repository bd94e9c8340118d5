#pragma once
// The systemd service-manager protocol (sd_notify). Every call is a no-op when feedd does
// not run under systemd (NOTIFY_SOCKET unset).

#include <chrono>
#include <optional>
#include <string>

namespace feedd::app {

class Notifier {
 public:
  Notifier();

  bool enabled() const { return enabled_; }
  // Half the interval systemd expects WATCHDOG=1 in (WATCHDOG_USEC), if it expects it.
  std::optional<std::chrono::milliseconds> watchdog_period() const { return watchdog_period_; }

  void ready(const std::string& status) const;
  void reloading() const;
  void status(const std::string& status) const;
  void watchdog() const;
  void stopping() const;

 private:
  bool enabled_ = false;
  std::optional<std::chrono::milliseconds> watchdog_period_;
};

}  // namespace feedd::app
