#pragma once
// Runs an action at every local midnight on the libuv loop: the daemon points
// digest/today at the new day's file with it. The clock is injectable so tests can
// stand just before midnight; the timer never waits more than an hour, so a wall clock
// that jumps (suspend, NTP step, a DST change) is caught up with soon.

#include <chrono>
#include <functional>

#include "common/result.hpp"
#include "common/time.hpp"
#include "common/uv_handle.hpp"

namespace feedd::output {

class DayTimer {
 public:
  using Clock = std::function<Instant()>;
  using Action = std::function<Status(Instant now)>;

  // Throws std::runtime_error if libuv cannot make the timer (start-up only).
  DayTimer(uv_loop_t* loop, Action action, Clock clock = now_utc);
  DayTimer(const DayTimer&) = delete;
  DayTimer& operator=(const DayTimer&) = delete;

  // Arms the timer for the next local midnight (or an hour from now, if sooner).
  void start();
  // Closes the timer; the loop frees it in its close callback.
  void close() { timer_.close(); }

  // How long from `now` the timer waits: to the next local midnight, at most an hour.
  static std::chrono::milliseconds delay_from(Instant now);

 private:
  static void on_timer(uv_timer_t* handle) noexcept;

  Action action_;
  Clock clock_;
  UvHandle<uv_timer_t> timer_;
};

}  // namespace feedd::output
