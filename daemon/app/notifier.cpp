#include "app/notifier.hpp"

#include <cstdint>
#include <cstdlib>

#include <systemd/sd-daemon.h>

namespace feedd::app {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_period_ = std::chrono::milliseconds(usec / 2000);
  }
}

void Notifier::ready(const std::string& status) const {
  if (enabled_) sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void Notifier::reloading() const {
  if (enabled_) sd_notify(0, "RELOADING=1");
}

void Notifier::status(const std::string& status) const {
  if (enabled_) sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void Notifier::watchdog() const {
  if (enabled_) sd_notify(0, "WATCHDOG=1");
}

void Notifier::stopping() const {
  if (enabled_) sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

}  // namespace feedd::app
