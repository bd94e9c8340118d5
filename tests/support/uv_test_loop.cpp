#include "support/uv_test_loop.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace feedd::test {
namespace {

// A timer that stops the loop when it expires (or, repeating, only wakes it); its memory
// is freed in the close callback.
struct Deadline {
  Deadline(uv_loop_t* loop, std::chrono::milliseconds limit, bool repeat = false) : timer(new uv_timer_t) {
    if (uv_timer_init(loop, timer) != 0) {
      delete timer;
      throw std::runtime_error("uv_timer_init failed");
    }
    timer->data = &expired;
    const auto ms = static_cast<std::uint64_t>(limit.count());
    const int rc = repeat ? uv_timer_start(timer, [](uv_timer_t*) {}, ms, ms)
                          : uv_timer_start(
                                timer,
                                [](uv_timer_t* t) {
                                  *static_cast<bool*>(t->data) = true;
                                  uv_stop(t->loop);
                                },
                                ms, 0);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
      throw std::runtime_error(std::string("uv_timer_start: ") + uv_strerror(rc));
    }
  }
  ~Deadline() {
    uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  uv_timer_t* timer;
  bool expired = false;
};

}  // namespace

UvTestLoop::UvTestLoop() {
  const int rc = uv_loop_init(&loop_);
  if (rc != 0) throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
}

UvTestLoop::~UvTestLoop() {
  if (closed_) return;
  const int rc = close();
  // Every test gets this check: whatever ran on the loop must leave it closable.
  CHECK_MESSAGE(rc == 0, "the loop still has open handles: ", uv_strerror(rc));
  if (rc == 0) return;
  // Something left a handle open (the test will have failed on close()): close what is
  // left so the loop can at least be torn down.
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (uv_is_closing(h) == 0) uv_close(h, nullptr);
      },
      nullptr);
  (void)uv_run(&loop_, UV_RUN_NOWAIT);
  (void)uv_loop_close(&loop_);
}

bool UvTestLoop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  if (done()) return true;
  {
    Deadline deadline(&loop_, limit);
    // A tick wakes the loop often: the condition may be set by a timer callback (which
    // does not end a UV_RUN_ONCE by itself) or by another thread (a test server).
    Deadline tick(&loop_, std::chrono::milliseconds(5), /*repeat=*/true);
    while (!done() && !deadline.expired) {
      (void)uv_run(&loop_, UV_RUN_ONCE);  // returns whether handles remain; the deadline does
    }
  }
  // Let the deadline's close callback run without blocking on anything else.
  (void)uv_run(&loop_, UV_RUN_NOWAIT);
  return done();
}

int UvTestLoop::close(std::chrono::milliseconds limit) {
  if (closed_) return 0;
  {
    Deadline deadline(&loop_, limit);
    uv_unref(reinterpret_cast<uv_handle_t*>(deadline.timer));  // does not keep the loop alive
    (void)uv_run(&loop_, UV_RUN_DEFAULT);
  }
  (void)uv_run(&loop_, UV_RUN_NOWAIT);
  const int rc = uv_loop_close(&loop_);
  if (rc == 0) closed_ = true;
  return rc;
}

}  // namespace feedd::test
