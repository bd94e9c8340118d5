#include "output/day_timer.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/log.hpp"
#include "output/local_time.hpp"

namespace feedd::output {

DayTimer::DayTimer(uv_loop_t* loop, Action action, Clock clock)
    : action_(std::move(action)), clock_(std::move(clock)),
      timer_(UvHandle<uv_timer_t>::make(loop, uv_timer_init)) {
  if (!timer_) throw std::runtime_error("cannot create the midnight timer");
  timer_.get()->data = this;
}

std::chrono::milliseconds DayTimer::delay_from(Instant now) {
  const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next_local_midnight(now) - now);
  return std::clamp(until, std::chrono::milliseconds{1000}, std::chrono::milliseconds{std::chrono::hours(1)});
}

void DayTimer::start() {
  if (!timer_) return;
  const auto delay = delay_from(clock_());
  uv_timer_start(timer_.get(), on_timer, static_cast<std::uint64_t>(delay.count()), 0);
}

void DayTimer::on_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<DayTimer*>(handle->data);
  try {
    // A timer that fires a little before midnight by the wall clock finds the same day,
    // does nothing, and is re-armed for the second or so that is left.
    auto done = self->action_(self->clock_());
    if (!done) log::get("out")->error("digest error=\"{}\"", done.error().message);
  } catch (const std::exception& e) {
    log::get("out")->error("digest error=\"{}\"", e.what());
  } catch (...) {
    log::get("out")->error("digest error=\"unknown exception at midnight\"");
  }
  try {
    self->start();  // the next midnight, whatever happened at this one
  } catch (...) {
    log::get("out")->error("digest error=\"cannot re-arm the midnight timer\"");
  }
}

}  // namespace feedd::output
