#pragma once
// Waiting in tests for what another process or thread does.

#include <chrono>
#include <thread>

namespace feedd::test {

// Checks `done()` every `step` until it holds or `timeout` passes; returns done().
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(15),
                std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace feedd::test
