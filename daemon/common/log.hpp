#pragma once
// One named spdlog logger per module: "fetch", "parse", "store", "sched", "out", "app".
// Every line is one event, key=value, on stderr:
//   2025-02-27T15:04:00.123Z level=info module=app feed=https://… status=200 bytes=48213 ms=41
// When journald reads stderr (JOURNAL_STREAM names it), the line carries no timestamp of
// our own; it starts with a syslog priority prefix ("<6>") that journald turns into the
// entry's PRIORITY, so `journalctl -p warning` works.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace feedd::log {

// Configures the sink and level for every logger; call once at start, and again when the
// level changes. level: trace, debug, info, warn, error, off.
void setup(const std::string& level);

std::shared_ptr<spdlog::logger> get(const std::string& module);

// True when JOURNAL_STREAM=DEVICE:INODE names the file stderr is connected to: what
// systemd sets for a service whose output goes to the journal. A JOURNAL_STREAM inherited
// by a process whose stderr was redirected elsewhere does not count.
bool journald_reads_stderr();

}  // namespace feedd::log
