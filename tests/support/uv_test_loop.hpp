#pragma once
// A libuv loop for tests: runs until a condition holds or a deadline passes, and
// checks on destruction that every handle was closed.

#include <chrono>
#include <functional>

#include <uv.h>

namespace feedd::test {

class UvTestLoop {
 public:
  UvTestLoop();  // throws std::runtime_error if libuv cannot make a loop
  // Runs the loop to let close callbacks finish, then closes it (see close()).
  ~UvTestLoop();
  UvTestLoop(const UvTestLoop&) = delete;
  UvTestLoop& operator=(const UvTestLoop&) = delete;

  uv_loop_t* get() { return &loop_; }

  // Runs the loop until `done()` is true (checked after every iteration) or `limit`
  // passes; returns done().
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(10));

  // Runs the loop until nothing is left in it (at most `limit`), then uv_loop_close.
  // Returns uv_loop_close's result: 0, or UV_EBUSY if a handle is still open.
  int close(std::chrono::milliseconds limit = std::chrono::seconds(5));

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

}  // namespace feedd::test
