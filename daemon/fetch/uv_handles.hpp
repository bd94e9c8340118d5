#pragma once
// The libuv handles the fetcher uses, on top of UvHandle (common/uv_handle.hpp): each
// handle lives in its own heap block that only the uv_close callback frees, so the owner
// may go away at once while the loop still finishes closing the handle. These add
// throwing construction and the few calls the fetcher makes.

#include <cstdint>

#include <uv.h>

#include "common/uv_handle.hpp"

namespace feedd::fetch {

class UvTimer {
 public:
  // Throws std::runtime_error when libuv refuses the handle.
  UvTimer(uv_loop_t* loop, void* data);

  // One-shot; returns libuv's error code (0 on success).
  int start(uv_timer_cb cb, std::uint64_t timeout_ms);
  int stop();

 private:
  UvHandle<uv_timer_t> handle_;
};

// Watches one socket (uv_poll). Only one of these may exist per socket at a time.
class UvSocketWatch {
 public:
  // Throws std::runtime_error when libuv refuses the socket.
  UvSocketWatch(uv_loop_t* loop, uv_os_sock_t socket, void* data);

  int start(int events, uv_poll_cb cb);
  uv_os_sock_t socket() const { return socket_; }

 private:
  UvHandle<uv_poll_t> handle_;
  uv_os_sock_t socket_;
};

}  // namespace feedd::fetch
